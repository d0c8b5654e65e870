import type { LLMMessage } from '@agentnest/providers';
import { isSearchable } from '@agentnest/memory';
import { raceAbort } from '../common/abort.js';
import type { RunContext } from './run-state.js';
import { SUMMARY_HISTORY_LIMIT } from './summary.js';

const DEFAULT_HISTORY_LIMIT = 50;

/** Earlier messages of the conversation, starting at a user message so no tool result is orphaned by the window. */
export async function loadHistory(ctx: RunContext): Promise<LLMMessage[]> {
  const { state } = ctx;
  const { memory } = ctx.options;
  if (!memory) return [];
  // A sub-agent told to share its caller's history reads the caller's conversation.
  // With summaries on, the window decides what is shown, so more is loaded to fit from.
  const limit = ctx.options.historyLimit ?? (ctx.options.context?.summarize ? SUMMARY_HISTORY_LIMIT : DEFAULT_HISTORY_LIMIT);
  const loaded = await raceAbort(memory.load(state.link?.historyFrom ?? state.identity, { limit }), state.signal);
  ctx.emit({ type: 'memory.read', store: memory.name, count: loaded.length });
  const firstUser = loaded.findIndex((m) => m.role === 'user');
  return firstUser < 0 ? [] : (loaded.slice(firstUser) as LLMMessage[]);
}

/** Finds related earlier messages of this tenant and principal, leaving out what the window already shows. */
export async function recall(ctx: RunContext, message: string, history: LLMMessage[]): Promise<void> {
  const { state } = ctx;
  const { recall, memory } = ctx.options;
  if (!recall || !memory || !isSearchable(memory)) return;
  const vector = await raceAbort(recall.embedder.embed(message, { signal: state.signal }), state.signal);
  const hits = await raceAbort(memory.search(state.identity, vector, { k: (recall.k ?? 3) + history.length, minScore: recall.minScore ?? 0.3 }), state.signal);
  const shown = new Set(history.map((m) => `${m.role}\u0000${m.content}`));
  const fresh = hits.filter((h) => !shown.has(`${h.message.role}\u0000${h.message.content}`)).slice(0, recall.k ?? 3);
  ctx.emit({ type: 'memory.recall', store: memory.name, count: fresh.length });
  if (fresh.length) state.recalled = `Related earlier messages (from past conversations with this user):\n${fresh.map((h) => `- ${h.message.role}: ${h.message.content}`).join('\n')}`;
}

export async function embedTurn(ctx: RunContext): Promise<Array<number[] | undefined>> {
  const { state } = ctx;
  const texts = state.turn.map((m) => (m.role !== 'tool' && m.content ? m.content : undefined));
  const wanted = texts.filter((t): t is string => t !== undefined);
  const vectors = wanted.length ? await ctx.options.recall!.embedder.embedBatch(wanted) : [];
  let next = 0;
  return texts.map((t) => (t === undefined ? undefined : vectors[next++]));
}
