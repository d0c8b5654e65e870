import { AgentError } from '../../../errors/agent.errors.js';

/**
 * What one AI SDK chat request asks for. Only the last message counts: a new user message, or the
 * assistant message whose pending tool call the user answered (addToolOutput) or whose approval
 * they responded to (addToolApprovalResponse). Earlier messages are never read: history comes from
 * the server's memory, so a client cannot rewrite it or slip in assistant or tool turns.
 */
export type ChatTurn =
  | { kind: 'message'; text: string }
  | {
      kind: 'continue';
      /** The assistant message being continued (the response keeps adding to it). */
      messageId: string;
      /** Tool outputs the client supplied, by tool call id. */
      outputs: Map<string, unknown>;
      /** Approval responses, by approval id. */
      approvals: Map<string, { approved: boolean; reason?: string }>;
    };

/** A chat request the protocol allows but this endpoint cannot take (400 invalid_chat_request). */
export class ChatRequestError extends AgentError {
  constructor(message: string) {
    super('invalid_chat_request', message);
  }
}

/** Longest user message or tool answer taken from a chat request (the run endpoints' limit). */
export const MAX_CHAT_TEXT = 32_000;
const CHAT_ID = /^[\w-]{1,128}$/;

type Part = { type?: unknown; text?: unknown; state?: unknown; toolCallId?: unknown; output?: unknown; approval?: { id?: unknown; approved?: unknown; reason?: unknown } };
type Message = { id?: unknown; role?: unknown; parts?: unknown };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isToolPart = (p: Part) => typeof p.type === 'string' && (p.type.startsWith('tool-') || p.type === 'dynamic-tool');

/** Reads what the AI SDK's DefaultChatTransport sends (`{id, messages, trigger, messageId}`); throws ChatRequestError for anything else. */
export function chatTurn(body: unknown): { chatId: string; turn: ChatTurn } {
  if (!isObject(body)) throw new ChatRequestError('the body must be a chat request object');
  const { id, messages, trigger } = body;
  if (typeof id !== 'string' || !CHAT_ID.test(id)) throw new ChatRequestError('id (the chat id) must be 1-128 letters, digits, _ or -');
  if (trigger !== undefined && trigger !== 'submit-message') {
    throw new ChatRequestError(trigger === 'regenerate-message' ? 'regenerating a reply is not supported: the conversation lives on the server; send a new message' : 'trigger must be submit-message');
  }
  if (!Array.isArray(messages) || messages.length === 0) throw new ChatRequestError('messages must be a non-empty array');
  const last = messages.at(-1) as Message;
  if (!isObject(last) || !Array.isArray(last.parts)) throw new ChatRequestError('the last message must have parts');
  const parts = (last.parts as unknown[]).filter(isObject) as Part[];
  if (last.role === 'user') {
    if (parts.some((p) => p.type !== 'text' && !(typeof p.type === 'string' && p.type.startsWith('data-')))) throw new ChatRequestError('only text parts are supported in a user message');
    const text = parts
      .filter((p) => p.type === 'text')
      .map((p) => (typeof p.text === 'string' ? p.text : ''))
      .join('\n');
    if (!text.trim()) throw new ChatRequestError('the user message has no text');
    if (text.length > MAX_CHAT_TEXT) throw new ChatRequestError(`the user message is longer than ${MAX_CHAT_TEXT} characters`);
    return { chatId: id, turn: { kind: 'message', text } };
  }
  if (last.role !== 'assistant') throw new ChatRequestError('the last message must be a user message, or the assistant message whose tool call you answered');
  if (typeof last.id !== 'string' || !last.id || last.id.length > 256) throw new ChatRequestError('the assistant message needs its id');
  const outputs = new Map<string, unknown>();
  const approvals = new Map<string, { approved: boolean; reason?: string }>();
  for (const p of parts.filter(isToolPart)) {
    if (p.state === 'output-available' && typeof p.toolCallId === 'string') outputs.set(p.toolCallId, p.output);
    if (p.state === 'approval-responded' && isObject(p.approval) && typeof p.approval.id === 'string' && typeof p.approval.approved === 'boolean') {
      const reason = typeof p.approval.reason === 'string' ? p.approval.reason.slice(0, 1000) : undefined;
      approvals.set(p.approval.id, { approved: p.approval.approved, ...(reason ? { reason } : {}) });
    }
  }
  return { chatId: id, turn: { kind: 'continue', messageId: last.id, outputs, approvals } };
}

/** A tool output as the answer the paused run gets: text as is, anything else as JSON, bounded. */
export function answerText(output: unknown): string {
  const text = typeof output === 'string' ? output : JSON.stringify(output ?? null);
  if (text.length > MAX_CHAT_TEXT) throw new ChatRequestError(`the tool output is longer than ${MAX_CHAT_TEXT} characters`);
  return text;
}
