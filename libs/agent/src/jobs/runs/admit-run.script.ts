import { redisScript } from '../redis/redis-script.js';

export interface AdmitRunArgs {
  /** The tenant's sorted set of counted runs. */
  set: string;
  member: string;
  now: number;
  leaseMs: number;
  max: number;
}

/** Admits one member if the set, past its expired entries, has room: 1 admitted, 0 already counted, -1 full. */
export const admitRun = redisScript<AdmitRunArgs, number>({
  name: 'agentnestQuotaAdmit',
  numberOfKeys: 1,
  lua: `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 0 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return -1 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
  keys: (a) => [a.set],
  argv: (a) => [a.now, a.leaseMs, a.max, a.member],
});
