import type { LocalRedis } from '../apps/api/src/redis/local-redis.js';
export type RedisServer = LocalRedis;
export function freePort(): Promise<number>;
export function startRedis(port?: number): Promise<RedisServer>;
