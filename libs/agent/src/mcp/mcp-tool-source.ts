import { AgentConfigError, AgentError } from '../agent.errors.js';
import type { Tool } from '../tools/tool.js';

/** Where an agent's MCP tools come from: a real server (`mcpClient`) or an in-memory one (`mockMcpClient`). */
export interface McpToolSource {
  /** Namespaces the tools: the model sees `<name>__<tool>`. */
  readonly name: string;
  /** Connects and lists the tools; call once before `tools()`. */
  connect(): Promise<void>;
  /** The current tools, namespaced; the list follows the server's `tools/list_changed`. */
  tools(): Tool[];
  close(): Promise<void>;
}

/** What an MCP tool returned, in the protocol's shape. */
export interface McpToolResult {
  content?: Array<{ type: string; text?: string; mimeType?: string; resource?: { uri?: string; text?: string } }>;
  structuredContent?: unknown;
  isError?: boolean;
}

/** A tool answered with `isError: true`, or the server refused the call. */
export class McpToolError extends AgentError {
  constructor(message: string) {
    super('mcp_tool_error', message);
  }
}

const SERVER_NAME = /^[a-zA-Z0-9-]{1,24}$/;

export function assertServerName(name: string): void {
  if (typeof name !== 'string' || !SERVER_NAME.test(name)) throw new AgentConfigError(`MCP server name "${name}" must be 1-24 letters, digits or -`);
}

/** `<server>__<tool>`, squeezed into the tool-name alphabet and 64 characters (the model-facing name). */
export function namespaced(server: string, tool: string): string {
  return `${server}__${tool.replace(/[^a-zA-Z0-9_-]/g, '_')}`.slice(0, 64);
}

/** The text the model gets for a tool result: text blocks joined, other blocks summarised. */
export function resultText(result: McpToolResult): string {
  const parts = (result.content ?? []).map((c) => {
    if (c.type === 'text') return c.text ?? '';
    if (c.type === 'resource') return c.resource?.text ?? `[resource ${c.resource?.uri ?? ''}]`;
    return `[${c.type}${c.mimeType ? ` ${c.mimeType}` : ''}]`;
  });
  if (!parts.length && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/** A tool result as the agent's tool function returns it: text, or McpToolError for `isError`. */
export function unwrapResult(result: McpToolResult): string {
  const text = resultText(result);
  if (result.isError) throw new McpToolError(text || 'the tool reported an error');
  return text;
}

/** Drops `$schema` (servers declare drafts the validator may not know); the rest is the tool's argument schema. */
export function argumentSchema(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema ?? {};
  void _ignored;
  return rest.type === 'object' ? rest : { type: 'object', ...rest };
}
