import type { LLMMessage, LLMProvider, LLMRequest, TokenCounter } from '@agentnest/providers';
import type { ModelPrice } from '../cost/pricing.js';

/**
 * Context windows (input plus output tokens) by model id prefix; the longest matching prefix wins.
 * Extend or override with the agent's `context.windows`.
 */
export const CONTEXT_WINDOWS: Readonly<Record<string, number>> = {
  'claude-': 200_000,
  'anthropic.claude-': 200_000,
  'us.anthropic.claude-': 200_000,
  'gpt-4o': 128_000,
  'gpt-4.1': 1_047_576,
  'gpt-5': 400_000,
  o1: 200_000,
  o3: 200_000,
  'o4-mini': 200_000,
  'gpt-4-turbo': 128_000,
  'gpt-3.5-turbo': 16_385,
  'amazon.nova-': 300_000,
  'meta.llama3': 128_000,
  'mistral.': 32_000,
};

/** Fitting the request to the model's context window. */
export interface ContextOptions {
  /** The model's window in tokens; @default from `windows`, else CONTEXT_WINDOWS by prefix, else no fitting */
  window?: number;
  /** Tokens kept free for the reply; @default the agent's maxTokens, else 4,096 */
  replyTokens?: number;
  /** More model windows by id prefix, over CONTEXT_WINDOWS. */
  windows?: Record<string, number>;
  /** Summarise history that falls out of the window (in batches, a few per run) and show the summary to the model; needs memory. */
  summarize?: SummaryOptions;
  /** Counts tokens exactly (`await openaiTokenCounter()` for OpenAI models); @default an estimate calibrated by the vendor's reported counts */
  tokenizer?: TokenCounter;
}

/** Summaries of history that no longer fits the model's window. */
export interface SummaryOptions {
  /** @default the agent's provider */
  provider?: LLMProvider;
  /** @default the agent's model. Another model's window (which bounds each summariser call) comes from `windows` or CONTEXT_WINDOWS, else 16,000 tokens are assumed. */
  model?: string;
  /** Longest summary, in tokens (also kept free in the window for it); @default 500 */
  maxTokens?: number;
  /** The summarising model's price, so its calls count in the run's cost; @default the agent's price for that model */
  price?: ModelPrice;
}

/** @default 500 tokens of summary */
export const DEFAULT_SUMMARY_TOKENS = 500;

/** @default 4,096 tokens kept for the reply when the agent sets no maxTokens */
export const DEFAULT_REPLY_TOKENS = 4_096;
/** Characters per token before a vendor has reported any count (English prose and JSON average about 4). */
const CHARS_PER_TOKEN = 4;

/** Windows already looked up, per agent table (every model call asks). */
const looked = new WeakMap<object, Map<string, number | undefined>>();
const NO_TABLE = {};

/** The window of `model`: the agent's own, then its table, then the built-in one (longest prefix). */
export function windowFor(model: string, options: ContextOptions | undefined): number | undefined {
  if (options?.window) return options.window;
  const table = options?.windows ?? NO_TABLE;
  let seen = looked.get(table);
  if (!seen) looked.set(table, (seen = new Map()));
  if (seen.has(model)) return seen.get(model);
  const window = longestPrefix(model, options);
  // Bounded: model ids come from configuration, but a caller could vary them.
  if (seen.size < 1_000) seen.set(model, window);
  return window;
}

function longestPrefix(model: string, options: ContextOptions | undefined): number | undefined {
  let best: [string, number] | undefined;
  for (const table of [CONTEXT_WINDOWS, options?.windows ?? {}]) {
    for (const [prefix, tokens] of Object.entries(table)) if (model.startsWith(prefix) && (!best || prefix.length >= best[0].length)) best = [prefix, tokens];
  }
  return best?.[1];
}

/** The text one message puts in a request: its content, and its tool calls as JSON. */
const messageText = (m: LLMMessage): string => (m.role === 'assistant' && m.toolCalls?.length ? `${m.content}${JSON.stringify(m.toolCalls)}` : m.content);

/** Tokens a message costs beyond its text (role and framing), as vendors count them. */
const PER_MESSAGE = 4;

/** Characters that one message costs in a request (its text and framing). */
export const messageChars = (m: LLMMessage): number => messageText(m).length + PER_MESSAGE * CHARS_PER_TOKEN;

/**
 * Token counts for fitting: exact with a tokenizer, else an estimate calibrated by what the vendor
 * reports (each response's input count against the estimate for its request; the ratio, smoothed
 * per model, scales later estimates), so fitting tracks the vendor's tokenizer without shipping it.
 */
export class TokenEstimator {
  private readonly ratio = new Map<string, number>();
  // Messages are counted again on every call of a run: each is counted once.
  private readonly counted = new WeakMap<LLMMessage, number>();

  constructor(private readonly tokenizer?: TokenCounter) {}

  /** Tokens of one message sent to `model`. */
  message(model: string, m: LLMMessage): number {
    if (!this.tokenizer) return this.tokens(model, messageChars(m));
    let n = this.counted.get(m);
    if (n === undefined) {
      n = this.tokenizer.count(messageText(m)) + PER_MESSAGE;
      this.counted.set(m, n);
    }
    return n;
  }

  /** Tokens of `chars` characters (or, with a tokenizer, of `text()`) sent to `model`. */
  tokens(model: string, chars: number, text?: () => string): number {
    if (this.tokenizer && text !== undefined) return this.tokenizer.count(text());
    return Math.ceil((chars / CHARS_PER_TOKEN) * (this.ratio.get(model) ?? 1));
  }

  /** Learns from a response: `reported` input tokens for a request of `chars` characters (not needed with a tokenizer). */
  observe(model: string, chars: number, reported: number): void {
    if (this.tokenizer || !(chars > 0 && reported > 0)) return;
    const seen = Math.min(4, Math.max(0.25, reported / (chars / CHARS_PER_TOKEN)));
    const before = this.ratio.get(model);
    this.ratio.set(model, before === undefined ? seen : before * 0.7 + seen * 0.3);
  }
}

/** The text of a request's system prompt (without its summary) and tool declarations, for a tokenizer. */
export const fixedText = (request: Pick<LLMRequest, 'system' | 'tools'>, summary?: string): string => `${summary ? (request.system ?? '').replace(summary, '') : (request.system ?? '')}${request.tools?.length ? JSON.stringify(request.tools) : ''}`;


/**
 * The newest part of `history` that fits in `budget` tokens: whole units only (an assistant message
 * with tool calls goes with the tool results after it), and starting at a user message, so no tool
 * result is ever orphaned and no call loses its result.
 */
export function fitHistory(history: LLMMessage[], budget: number, tokensOf: (m: LLMMessage) => number): { kept: LLMMessage[]; dropped: number; droppedTokens: number } {
  const total = history.reduce((n, m) => n + tokensOf(m), 0);
  if (total <= budget) return { kept: history, dropped: 0, droppedTokens: 0 };
  // Walk back from the newest message, taking whole units while they fit.
  let used = 0;
  let start = history.length;
  let i = history.length;
  while (i > 0) {
    let unitStart = i - 1;
    while (unitStart > 0 && history[unitStart].role === 'tool') unitStart--;
    const unit = history.slice(unitStart, i).reduce((n, m) => n + tokensOf(m), 0);
    if (used + unit > budget) break;
    used += unit;
    i = unitStart;
    start = unitStart;
  }
  // History handed to the model starts at a user message.
  while (start < history.length && history[start].role !== 'user') start++;
  const kept = history.slice(start);
  const keptTokens = kept.reduce((n, m) => n + tokensOf(m), 0);
  return { kept, dropped: start, droppedTokens: total - keptTokens };
}
