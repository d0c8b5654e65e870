/** Timers a reconnecting server waits with; injected so tests advance time instead of sleeping. */
export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  // Unref'd: a server waiting to reconnect must not keep a process alive that is shutting down.
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface BackoffOptions {
  /** Before the first reconnect attempt; @default 500 ms */
  initialDelayMs?: number;
  /** The longest wait between attempts; @default 30000 ms */
  maxDelayMs?: number;
}

/**
 * The wait before reconnect attempt `attempt` (1-based): the initial delay doubled per attempt, at
 * most the maximum, of which a random half is waited ("equal jitter"): instances that lost the same
 * server at the same moment do not all respawn it at the same moment, and no wait is ever near zero.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  // 2 ** 30 already exceeds any sensible maximum; capping the exponent keeps the number finite.
  const ceiling = Math.min(max, initial * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
