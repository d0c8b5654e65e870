import { toUsage, type Usage } from '@agentnest/providers';

/** Usage as written before the AI SDK's names: the library's own shape, or the HTTP one without totalTokens. */
export type OldUsage = { input: number; output: number; cacheRead?: number; cacheWrite?: number } | { inputTokens: number; outputTokens: number };

// Checkpoints and run records outlive a deploy: usage stored in an older shape reads as today's.
export function currentUsage(stored: Usage | OldUsage): Usage {
  if ('totalTokens' in stored) return stored;
  // The old `input` left out cache reads and writes; today's inputTokens holds them.
  if ('input' in stored) return toUsage({ inputTokens: stored.input + (stored.cacheRead ?? 0) + (stored.cacheWrite ?? 0), outputTokens: stored.output, cacheReadTokens: stored.cacheRead, cacheWriteTokens: stored.cacheWrite });
  return toUsage(stored);
}
