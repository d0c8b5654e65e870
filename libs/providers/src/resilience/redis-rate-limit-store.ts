import type { Cluster, Redis } from 'ioredis';
import type { RateLimitCost, RateLimits, RateLimitStore, RateLimitTurn, TakeResult } from './rate-limit-store.js';
import { FAIR_TAKE, LEAVE, SETTLE, TAKE } from './redis-rate-limit-scripts.js';

/** Settings for {@link RedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /** The connection the scripts run on; a Cluster works too (each bucket and its queue stay in one slot). */
  redis: Redis | Cluster;
  /** Key prefix, so several deployments can share one Redis; @default 'agentnest:ratelimit:' */
  prefix?: string;
  /** For tests: the clock the scripts refill by; @default Redis' own (one clock for every instance) */
  now?: () => number;
}

type Scripted = (Redis | Cluster) & {
  agentnestRateTake(key: string, ...args: number[]): Promise<[number, number]>;
  agentnestRateSettle(key: string, ...args: number[]): Promise<number>;
  agentnestRateFairTake(...keysAndArgs: (string | number)[]): Promise<[number, number]>;
  agentnestRateLeave(...keysAndArgs: string[]): Promise<number>;
};

/**
 * Rate-limit budgets shared by every instance on one Redis; each take and settle is one atomic
 * script. With a turn, the bucket's fair queue lives beside it under the same hash tag (one slot).
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: Scripted;
  private readonly prefix: string;
  private readonly now: () => number;

  constructor(options: RedisRateLimitStoreOptions) {
    this.redis = options.redis as Scripted;
    this.prefix = options.prefix ?? 'agentnest:ratelimit:';
    this.now = options.now ? () => Math.floor(options.now!()) : () => -1;
    if (!this.redis.agentnestRateTake) this.redis.defineCommand('agentnestRateTake', { numberOfKeys: 1, lua: TAKE });
    if (!this.redis.agentnestRateSettle) this.redis.defineCommand('agentnestRateSettle', { numberOfKeys: 1, lua: SETTLE });
    if (!this.redis.agentnestRateFairTake) this.redis.defineCommand('agentnestRateFairTake', { numberOfKeys: 5, lua: FAIR_TAKE });
    if (!this.redis.agentnestRateLeave) this.redis.defineCommand('agentnestRateLeave', { numberOfKeys: 5, lua: LEAVE });
  }

  private key(name: string): string {
    return `${this.prefix}{${name}}`;
  }

  private queueKeys(name: string): string[] {
    const bucket = this.key(name);
    return [bucket, `${bucket}:waiters`, `${bucket}:counts`, `${bucket}:places`, `${bucket}:shares`];
  }

  async take(key: string, cost: RateLimitCost, limits: RateLimits, turn?: RateLimitTurn): Promise<TakeResult> {
    const rate = [this.now(), limits.requestsPerMinute ?? 0, limits.tokensPerMinute ?? 0, cost.requests, cost.tokens];
    const [allowed, wait] = turn
      ? await this.redis.agentnestRateFairTake(...this.queueKeys(key), ...rate, turn.tenant, turn.waiter ?? '', turn.leaseMs)
      : await this.redis.agentnestRateTake(this.key(key), ...rate);
    return { allowed: allowed === 1, retryAfterMs: Number(wait) };
  }

  async settle(key: string, delta: number, limits: RateLimits): Promise<void> {
    if (!limits.tokensPerMinute) return;
    await this.redis.agentnestRateSettle(this.key(key), this.now(), limits.requestsPerMinute ?? 0, limits.tokensPerMinute, delta);
  }

  async leave(key: string, turn: RateLimitTurn): Promise<void> {
    if (turn.waiter) await this.redis.agentnestRateLeave(...this.queueKeys(key), turn.waiter, turn.tenant);
  }
}
