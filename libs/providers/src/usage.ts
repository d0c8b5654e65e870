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
}

/** A Usage from counts: `totalTokens` derived, `inputTokenDetails` (with the uncached rest) only when there are cache tokens. */
export function toUsage({ inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens }: TokenCounts): Usage {
  const usage: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  if (!cacheReadTokens && !cacheWriteTokens) return usage;
  const noCacheTokens = Math.max(0, inputTokens - (cacheReadTokens ?? 0) - (cacheWriteTokens ?? 0));
  usage.inputTokenDetails = { noCacheTokens, ...(cacheReadTokens ? { cacheReadTokens } : {}), ...(cacheWriteTokens ? { cacheWriteTokens } : {}) };
  return usage;
}

/** Prompt tokens neither read from nor written to the cache (priced at the plain input rate). */
export function noCacheTokens(usage: Usage): number {
  return usage.inputTokenDetails?.noCacheTokens ?? usage.inputTokens;
}
