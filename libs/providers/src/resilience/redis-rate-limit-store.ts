import type { Cluster, Redis } from 'ioredis';
import type { RateLimitCost, RateLimits, RateLimitStore, TakeResult } from './rate-limit-store.js';

// refill() and waitFor() of rate-limit-store.ts, in Lua so a take is atomic across instances.
const REFILL = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm = tonumber(ARGV[1]) local tpm = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'r', 't', 'at')
local r = tonumber(b[1] or rpm) local tk = tonumber(b[2] or tpm) local at = tonumber(b[3] or now)
local elapsed = math.max(0, now - at)
if rpm > 0 then r = math.min(rpm, r + elapsed * rpm / 60000) end
if tpm > 0 then tk = math.min(tpm, tk + elapsed * tpm / 60000) end`;
const SAVE = `redis.call('HSET', KEYS[1], 'r', tostring(r), 't', tostring(tk), 'at', now) redis.call('PEXPIRE', KEYS[1], 120000)`;

// ARGV: rpm, tpm, costRequests, costTokens -> {allowed, retryAfterMs}
const TAKE = `${REFILL}
local cr = tonumber(ARGV[3]) local ct = tonumber(ARGV[4])
if rpm > 0 then cr = math.min(cr, rpm) else cr = 0 end
if tpm > 0 then ct = math.min(ct, tpm) else ct = 0 end
local wait = 0
if rpm > 0 and cr > r then wait = math.max(wait, (cr - r) * 60000 / rpm) end
if tpm > 0 and ct > tk then wait = math.max(wait, (ct - tk) * 60000 / tpm) end
if wait > 0 then ${SAVE} return {0, math.ceil(wait)} end
r = r - cr tk = tk - ct
${SAVE}
return {1, 0}`;

// ARGV: rpm, tpm, tokensUsedBeyondEstimate
const SETTLE = `${REFILL}
if tpm > 0 then tk = math.min(tpm, tk - tonumber(ARGV[3])) end
${SAVE}
return 1`;

export interface RedisRateLimitStoreOptions {
  redis: Redis | Cluster;
  /** @default 'agentnest:ratelimit:' */
  prefix?: string;
}

type Scripted = (Redis | Cluster) & {
  agentnestRateTake(key: string, ...args: number[]): Promise<[number, number]>;
  agentnestRateSettle(key: string, ...args: number[]): Promise<number>;
};

/** Rate-limit budgets shared by every instance on one Redis; each take and settle is one atomic script. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: Scripted;
  private readonly prefix: string;

  constructor(options: RedisRateLimitStoreOptions) {
    this.redis = options.redis as Scripted;
    this.prefix = options.prefix ?? 'agentnest:ratelimit:';
    if (!this.redis.agentnestRateTake) this.redis.defineCommand('agentnestRateTake', { numberOfKeys: 1, lua: TAKE });
    if (!this.redis.agentnestRateSettle) this.redis.defineCommand('agentnestRateSettle', { numberOfKeys: 1, lua: SETTLE });
  }

  private key(name: string): string {
    return `${this.prefix}{${name}}`;
  }

  async take(key: string, cost: RateLimitCost, limits: RateLimits): Promise<TakeResult> {
    const [allowed, wait] = await this.redis.agentnestRateTake(this.key(key), limits.requestsPerMinute ?? 0, limits.tokensPerMinute ?? 0, cost.requests, cost.tokens);
    return { allowed: allowed === 1, retryAfterMs: Number(wait) };
  }

  async settle(key: string, delta: number, limits: RateLimits): Promise<void> {
    if (!limits.tokensPerMinute) return;
    await this.redis.agentnestRateSettle(this.key(key), limits.requestsPerMinute ?? 0, limits.tokensPerMinute, delta);
  }
}
