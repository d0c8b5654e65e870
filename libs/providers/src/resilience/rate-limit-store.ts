/** Per-minute budgets of one bucket; 0 or absent means unlimited. */
export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

export interface RateLimitCost {
  requests: number;
  tokens: number;
}

export interface TakeResult {
  allowed: boolean;
  /** When not allowed: how long until the cost fits. */
  retryAfterMs: number;
}

/**
 * Token buckets refilled continuously at their per-minute rate. `take` is all-or-nothing across
 * the request and token buckets; `settle` corrects the token bucket once the real usage is known.
 */
export interface RateLimitStore {
  take(key: string, cost: RateLimitCost, limits: RateLimits): Promise<TakeResult>;
  /** Adds `tokensUsedBeyondEstimate` (negative to give back) to what was taken. */
  settle(key: string, tokensUsedBeyondEstimate: number, limits: RateLimits): Promise<void>;
}

interface Bucket {
  requests: number;
  tokens: number;
  at: number;
}

/** The refill-and-take arithmetic, shared by the in-process store (the Redis store runs the same in Lua). */
export function refill(b: Bucket, limits: RateLimits, now: number): void {
  const elapsed = Math.max(0, now - b.at);
  const rpm = limits.requestsPerMinute ?? 0;
  const tpm = limits.tokensPerMinute ?? 0;
  if (rpm > 0) b.requests = Math.min(rpm, b.requests + (elapsed * rpm) / 60_000);
  if (tpm > 0) b.tokens = Math.min(tpm, b.tokens + (elapsed * tpm) / 60_000);
  b.at = now;
}

export function waitFor(b: Bucket, cost: RateLimitCost, limits: RateLimits): number {
  const rpm = limits.requestsPerMinute ?? 0;
  const tpm = limits.tokensPerMinute ?? 0;
  // A cost above the whole bucket would never fit: it waits for a full bucket instead.
  const needR = rpm > 0 ? Math.min(cost.requests, rpm) - b.requests : 0;
  const needT = tpm > 0 ? Math.min(cost.tokens, tpm) - b.tokens : 0;
  return Math.ceil(Math.max(0, needR > 0 ? (needR * 60_000) / rpm : 0, needT > 0 ? (needT * 60_000) / tpm : 0));
}

/** Budgets in this process only; use RedisRateLimitStore to share them across instances. */
export class InMemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  private bucket(key: string, limits: RateLimits): Bucket {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { requests: limits.requestsPerMinute ?? 0, tokens: limits.tokensPerMinute ?? 0, at: this.now() }));
    refill(b, limits, this.now());
    return b;
  }

  async take(key: string, cost: RateLimitCost, limits: RateLimits): Promise<TakeResult> {
    const b = this.bucket(key, limits);
    const wait = waitFor(b, cost, limits);
    if (wait > 0) return { allowed: false, retryAfterMs: wait };
    if (limits.requestsPerMinute) b.requests -= Math.min(cost.requests, limits.requestsPerMinute);
    if (limits.tokensPerMinute) b.tokens -= Math.min(cost.tokens, limits.tokensPerMinute);
    return { allowed: true, retryAfterMs: 0 };
  }

  async settle(key: string, delta: number, limits: RateLimits): Promise<void> {
    if (!limits.tokensPerMinute) return;
    const b = this.bucket(key, limits);
    b.tokens = Math.min(limits.tokensPerMinute, b.tokens - delta);
  }
}
