import type { Cluster, Redis } from 'ioredis';
import type { CircuitConfig, CircuitDecision, CircuitOutcome, CircuitStateStore } from './circuit-state.js';
import type { CircuitStateName } from './provider-event.js';

// The same machine as InMemoryCircuitState, as Lua so each step is atomic across every instance.
// Time is Redis's own (TIME), so instances with skewed clocks still agree on cooldowns.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const LOAD = `local c = redis.call('HMGET', KEYS[1], 's', 'f', 'ok', 'o', 'p')
local s = c[1] or 'closed' local f = tonumber(c[2] or '0') local ok = tonumber(c[3] or '0')
local o = tonumber(c[4] or '0') local p = tonumber(c[5] or '0')`;
const SAVE = `redis.call('HSET', KEYS[1], 's', s, 'f', f, 'ok', ok, 'o', o, 'p', p) redis.call('PEXPIRE', KEYS[1], ARGV[3])`;

// ARGV: cooldownMs, unused, ttlMs -> {allowed, state, retryAfterMs, fromState}
const ACQUIRE = `${NOW} ${LOAD}
local cooldown = tonumber(ARGV[1])
if s == 'closed' then return {1, s, 0, ''} end
if s == 'open' then
  if now < o + cooldown then return {0, s, o + cooldown - now, ''} end
  s = 'half_open' ok = 0 p = now + cooldown ${SAVE}
  return {1, s, 0, 'open'}
end
if now < p then return {0, s, p - now, ''} end
p = now + cooldown ${SAVE}
return {1, s, 0, ''}`;

// ARGV: success (1/0), failureThreshold, ttlMs, halfOpenSuccesses -> {state, fromState}
const RECORD = `${NOW} ${LOAD}
local from = s
local success = ARGV[1] == '1'
if s == 'closed' then
  if success then f = 0 else f = f + 1 end
  if f >= tonumber(ARGV[2]) then s = 'open' o = now f = 0 end
elseif s == 'half_open' then
  if not success then s = 'open' o = now p = 0
  else
    ok = ok + 1 p = 0
    if ok >= tonumber(ARGV[4]) then s = 'closed' f = 0 ok = 0 end
  end
end
${SAVE}
if s == from then return {s, ''} end
return {s, from}`;

/** Settings for {@link RedisCircuitState}. */
export interface RedisCircuitStateOptions {
  /** The connection the scripts run on; a Cluster works too (each circuit stays in one slot). */
  redis: Redis | Cluster;
  /** Key prefix, so several deployments can share one Redis; @default 'agentnest:circuit:' */
  prefix?: string;
}

type Scripted = (Redis | Cluster) & {
  agentnestCircuitAcquire(key: string, ...args: Array<string | number>): Promise<[number, string, number, string]>;
  agentnestCircuitRecord(key: string, ...args: Array<string | number>): Promise<[string, string]>;
};

/** Breaker state shared by every instance on one Redis; each transition is one atomic Lua script. */
export class RedisCircuitState implements CircuitStateStore {
  private readonly redis: Scripted;
  private readonly prefix: string;

  constructor(options: RedisCircuitStateOptions) {
    this.redis = options.redis as Scripted;
    this.prefix = options.prefix ?? 'agentnest:circuit:';
    // defineCommand sends EVALSHA and falls back to EVAL, so scripts are loaded once per connection.
    if (!this.redis.agentnestCircuitAcquire) this.redis.defineCommand('agentnestCircuitAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    if (!this.redis.agentnestCircuitRecord) this.redis.defineCommand('agentnestCircuitRecord', { numberOfKeys: 1, lua: RECORD });
  }

  // The hash tag keeps each circuit in one slot, so this works on Redis Cluster too.
  private key(name: string): string {
    return `${this.prefix}{${name}}`;
  }

  private ttl(config: CircuitConfig): number {
    return Math.max(config.cooldownMs * 10, 3_600_000);
  }

  async acquire(key: string, config: CircuitConfig): Promise<CircuitDecision> {
    const [allowed, state, retryAfterMs, from] = await this.redis.agentnestCircuitAcquire(this.key(key), config.cooldownMs, 0, this.ttl(config));
    const decision: CircuitDecision = { allowed: allowed === 1, state: state as CircuitStateName, retryAfterMs: Number(retryAfterMs) };
    if (from) decision.transition = { from: from as CircuitStateName, to: state as CircuitStateName };
    return decision;
  }

  async record(key: string, success: boolean, config: CircuitConfig): Promise<CircuitOutcome> {
    const [state, from] = await this.redis.agentnestCircuitRecord(this.key(key), success ? 1 : 0, config.failureThreshold, this.ttl(config), config.halfOpenSuccesses);
    return from ? { state: state as CircuitStateName, transition: { from: from as CircuitStateName, to: state as CircuitStateName } } : { state: state as CircuitStateName };
  }

  async state(key: string): Promise<CircuitStateName> {
    return ((await this.redis.hget(this.key(key), 's')) ?? 'closed') as CircuitStateName;
  }
}
