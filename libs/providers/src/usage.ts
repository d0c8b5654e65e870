import type { Usage } from './llm-provider.js';

/** Usage figures a test scripts (mock replies, vendor fakes): `inputTokens` with the cached ones; the rest is derived. */
export type UsageFigures = Partial<Pick<Usage, 'inputTokens' | 'outputTokens'>> & { inputTokenDetails?: { cacheReadTokens?: number; cacheWriteTokens?: number } };

/** Token counts as a vendor reports them, `inputTokens` with the cached ones; a cache count that is absent, null or 0 was not reported. */
export interface TokenCounts {
  /** Every prompt token, cached ones included (vendors that count them apart add them first). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number | null;
  cacheWriteTokens?: number | null;
  /** Output tokens spent on reasoning, already counted in `outputTokens`. */
  reasoningTokens?: number | null;
}

/** @default 1e9 tokens: more than any one call can use, and small enough that costs stay exact in micro-dollars */
const MAX_COUNT = 1e9;

/**
 * A count as costs and budgets may use it: a whole number from 0 to MAX_COUNT. Counts come from
 * vendors, proxies, scripts and stored records; a negative, fractional, non-numeric or absurd one
 * must not make a cost negative or NaN (a budget that never trips) or overflow a ledger.
 */
function count(n: unknown): number {
  return typeof n === 'number' && n > 0 ? Math.min(Math.floor(n), MAX_COUNT) : 0;
}

/** A Usage from counts: `totalTokens` derived, `inputTokenDetails` (with the uncached rest) only when there are cache tokens, `outputTokenDetails` only when there are reasoning tokens. */
export function toUsage(counts: TokenCounts): Usage {
  const cacheReadTokens = count(counts.cacheReadTokens);
  const cacheWriteTokens = count(counts.cacheWriteTokens);
  // Cached tokens are prompt tokens: a report of more cached than prompt tokens counts the cached ones.
  const inputTokens = Math.max(count(counts.inputTokens), cacheReadTokens + cacheWriteTokens);
  const outputTokens = count(counts.outputTokens);
  const usage: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  const reasoningTokens = Math.min(count(counts.reasoningTokens), outputTokens);
  if (reasoningTokens) usage.outputTokenDetails = { textTokens: outputTokens - reasoningTokens, reasoningTokens };
  if (!cacheReadTokens && !cacheWriteTokens) return usage;
  const noCacheTokens = inputTokens - cacheReadTokens - cacheWriteTokens;
  usage.inputTokenDetails = { noCacheTokens, ...(cacheReadTokens ? { cacheReadTokens } : {}), ...(cacheWriteTokens ? { cacheWriteTokens } : {}) };
  return usage;
}

/** Prompt tokens neither read from nor written to the cache (priced at the plain input rate). */
export function noCacheTokens(usage: Usage): number {
  return usage.inputTokenDetails?.noCacheTokens ?? usage.inputTokens;
}
