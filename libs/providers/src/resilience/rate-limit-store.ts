import { FairQueue } from './fair-queue.js';

/** Per-minute budgets of one bucket; 0 or absent means unlimited. */
export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** What one call takes from a bucket. */
export interface RateLimitCost {
  /** Requests (1 per call). */
  requests: number;
  /** Estimated input and output tokens; corrected later through `settle`. */
  tokens: number;
}

/** The answer to {@link RateLimitStore.take}. */
export interface TakeResult {
  /** Whether the cost was taken; when not, nothing was. */
  allowed: boolean;
  /** When not allowed: how long until the cost fits. */
  retryAfterMs: number;
}

/**
 * A caller's place in the bucket's fair queue: the room a bucket has goes to the waiting tenant
 * served least recently, not to whichever caller polls first (see fair-queue.ts).
 */
export interface RateLimitTurn {
  tenant: string;
  /** A caller that will come back when refused registers under this id (no '|': the Redis queue splits on it); without one it only asks. */
  waiter?: string;
  /** How long a registered waiter is kept past its retryAfterMs without coming back (a dead instance's waiters). */
  leaseMs: number;
}

/**
 * Token buckets refilled continuously at their per-minute rate. `take` is all-or-nothing across
 * the request and token buckets; `settle` corrects the token bucket once the real usage is known.
 * With a `turn`, room is handed out in turns across tenants; `leave` withdraws a waiter that gave up.
 */
export interface RateLimitStore {
  /** Takes `cost` from the buckets under `key` if all of it fits (and it is the caller's turn), else says how long to wait. */
  take(key: string, cost: RateLimitCost, limits: RateLimits, turn?: RateLimitTurn): Promise<TakeResult>;
  /** Adds `tokensUsedBeyondEstimate` (negative to give back) to what was taken. */
  settle(key: string, tokensUsedBeyondEstimate: number, limits: RateLimits): Promise<void>;
  /** Removes a registered waiter (aborted, past maxWaitMs) so its tenant holds no turn it will not use. */
  leave(key: string, turn: RateLimitTurn): Promise<void>;
}

export interface Bucket {
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

/** The bucket as it will be once `cost` is taken from it: a caller whose turn is not yet waits for the room after that. */
export function afterTaking(b: Bucket, cost: RateLimitCost, limits: RateLimits): Bucket {
  const rpm = limits.requestsPerMinute ?? 0;
  const tpm = limits.tokensPerMinute ?? 0;
  return { requests: b.requests - (rpm > 0 ? Math.min(cost.requests, rpm) : 0), tokens: b.tokens - (tpm > 0 ? Math.min(cost.tokens, tpm) : 0), at: b.at };
}

/** Budgets in this process only; use RedisRateLimitStore to share them across instances. */
export class InMemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly queues = new Map<string, FairQueue>();

  constructor(private readonly now: () => number = Date.now) {}

  private bucket(key: string, limits: RateLimits): Bucket {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { requests: limits.requestsPerMinute ?? 0, tokens: limits.tokensPerMinute ?? 0, at: this.now() }));
    refill(b, limits, this.now());
    return b;
  }

  async take(key: string, cost: RateLimitCost, limits: RateLimits, turn?: RateLimitTurn): Promise<TakeResult> {
    const b = this.bucket(key, limits);
    const now = this.now();
    let queue = this.queues.get(key);
    if (turn && !queue) this.queues.set(key, (queue = new FairQueue()));
    queue?.expire(now);
    const myTurn = !turn || !queue || queue.isFirst(turn.tenant);
    // Not first in line, the caller still goes when the room covers the first's share as well (no room idles).
    const wait = myTurn ? waitFor(b, cost, limits) : waitFor(afterTaking(b, queue!.firstShare() ?? cost, limits), cost, limits);
    if (wait > 0) {
      if (turn && queue) queue.wait(turn, now + wait, cost);
      return { allowed: false, retryAfterMs: wait };
    }
    Object.assign(b, afterTaking(b, cost, limits));
    if (turn && queue) queue.served(turn);
    return { allowed: true, retryAfterMs: 0 };
  }

  async leave(key: string, turn: RateLimitTurn): Promise<void> {
    this.queues.get(key)?.leave(turn);
  }

  async settle(key: string, delta: number, limits: RateLimits): Promise<void> {
    if (!limits.tokensPerMinute) return;
    const b = this.bucket(key, limits);
    b.tokens = Math.min(limits.tokensPerMinute, b.tokens - delta);
  }
}
