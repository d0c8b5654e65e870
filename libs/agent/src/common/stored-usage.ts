import { toUsage, type Usage } from '@agentnest/providers';

/** Usage as written before the AI SDK's names: the library's own shape, or the HTTP one without totalTokens. */
export type OldUsage = { input: number; output: number; cacheRead?: number; cacheWrite?: number } | { inputTokens: number; outputTokens: number };

// Checkpoints and run records outlive a deploy: usage stored in an older shape reads as today's.
// Whatever shape it has, it is rebuilt through toUsage: a stored value is never trusted to be well-formed.
export function currentUsage(stored: Usage | OldUsage | null | undefined): Usage {
  if (typeof stored !== 'object' || stored === null) return toUsage({ inputTokens: 0, outputTokens: 0 });
  if ('totalTokens' in stored) return toUsage({ ...stored, ...stored.inputTokenDetails });
  // The old `input` left out cache reads and writes; today's inputTokens holds them.
  if ('input' in stored) return toUsage({ inputTokens: stored.input + (stored.cacheRead ?? 0) + (stored.cacheWrite ?? 0), outputTokens: stored.output, cacheReadTokens: stored.cacheRead, cacheWriteTokens: stored.cacheWrite });
  return toUsage(stored);
}
