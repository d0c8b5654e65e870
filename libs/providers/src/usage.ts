import type { Usage } from './llm-provider.js';

/** Token counts as a vendor reports them; a cache count that is absent, null or 0 was not reported. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number | null;
  cacheWriteTokens?: number | null;
}

/** A Usage from counts: `totalTokens` derived, `inputTokenDetails` only when there are cache tokens. */
export function toUsage({ inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens }: TokenCounts): Usage {
  const usage: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  if (!cacheReadTokens && !cacheWriteTokens) return usage;
  usage.inputTokenDetails = { ...(cacheReadTokens ? { cacheReadTokens } : {}), ...(cacheWriteTokens ? { cacheWriteTokens } : {}) };
  return usage;
}
