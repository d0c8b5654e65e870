import { createHash } from 'node:crypto';
import type { LLMMessage } from '@agentnest/providers';
import { describeToolWork } from './history-view.js';
import { sideCall } from './model-call.js';
import type { RunContext } from './run-state.js';
import { DEFAULT_SUMMARY_TOKENS } from './context-window.js';
import { subConversationId } from '../team/run-link.js';

/** The most earlier messages one summary update reads. */
const MAX_SUMMARY_INPUT = 200;
/** @default 500 messages loaded when summaries are on and the agent sets no historyLimit: the window, not the count, decides. */
export const SUMMARY_HISTORY_LIMIT = 500;

/** Where a conversation's summary is kept: beside it, erased with it (`~` cannot start a tool name, so no sub-agent's conversation has this id). */
export const summaryConversationId = (conversationId: string): string => subConversationId(conversationId, '~summary');

/** Identifies the message at `i` by itself and the one after it, so the next run finds where the summary stopped. */
const fingerprint = (history: LLMMessage[], i: number): string => createHash('sha256').update(JSON.stringify([history[i], history[i + 1] ?? null])).digest('base64url');

const SUMMARY_PROMPT =
  'You keep a running summary of a conversation between a user and an assistant, for the assistant to read later instead of the old messages. Update the summary with the new messages: keep facts, decisions, names, numbers and open questions; drop small talk. Write plain prose, at most a few paragraphs, and nothing but the summary.';

function render(previous: string | undefined, messages: LLMMessage[]): string {
  const lines = messages.flatMap((m, i) => {
    if (m.role === 'user') return [`user: ${m.content}`];
    if (m.role !== 'assistant') return [];
    // Its calls with their results: the tool messages right after it.
    let end = i + 1;
    while (messages[end]?.role === 'tool') end++;
    return [...(m.content ? [`assistant: ${m.content}`] : []), ...(m.toolCalls?.length ? describeToolWork(messages.slice(i, end)).map((w) => `tool ${w}`) : [])];
  });
  return `${previous ? `Summary so far:\n${previous}\n\n` : ''}New messages:\n${lines.join('\n')}`;
}

/**
 * Reads the conversation's summary into the run and, when the first model call will leave out
 * `dropped` earlier messages that the summary does not cover yet, updates it with them first (one
 * model call per shift of the window, its cost counted in the run) and stores it beside the
 * conversation. Without `dropped` it only reads (a resumed run).
 */
export async function refreshSummary(ctx: RunContext, history?: LLMMessage[], dropped = 0): Promise<void> {
  const summarize = ctx.options.context?.summarize;
  const memory = ctx.options.memory;
  const { state } = ctx;
  if (!summarize || !memory || state.link?.historyFrom) return;
  const where = { ...state.identity, conversationId: summaryConversationId(state.identity.conversationId) };
  const [latest] = await memory.load(where, { limit: 1 });
  state.summary = latest?.content;
  if (!history || dropped <= 0) return;
  // Where the summary stopped, if that is still in the loaded history; otherwise it covers nothing loaded.
  let from = 0;
  const through = latest?.summary?.through;
  if (through) {
    for (let i = dropped - 1; i >= 0; i--) {
      if (fingerprint(history, i) === through) {
        from = i + 1;
        break;
      }
    }
  }
  if (from >= dropped) return;
  const fresh = history.slice(Math.max(from, dropped - MAX_SUMMARY_INPUT), dropped);
  const model = summarize.model ?? ctx.options.model;
  const price = summarize.price ?? (ctx.options.pricingTable ?? state.inherited.pricingTable)?.[model];
  const response = await sideCall(ctx, summarize.provider ?? ctx.options.provider, { model, system: SUMMARY_PROMPT, messages: [{ role: 'user', content: render(state.summary, fresh) }], maxTokens: summarize.maxTokens ?? DEFAULT_SUMMARY_TOKENS, temperature: 0 }, price, state.signal);
  // Keyed by the run: a retried job writes its summary once.
  await memory.append(where, [{ role: 'assistant', content: response.text, summary: { through: fingerprint(history, dropped - 1) } }], { idempotencyKey: state.runId });
  state.summary = response.text;
  ctx.emit({ type: 'memory.summary', store: memory.name, summarized: fresh.length });
}
