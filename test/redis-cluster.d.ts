import type { LocalRedis } from '../apps/api/src/redis/local-redis.js';
export interface RedisCluster {
  /** Seed nodes as REDIS_CLUSTER_NODES takes them. */
  nodes: string;
  servers: LocalRedis[];
  stop(): Promise<unknown>;
}
export function startRedisCluster(options?: { nodeTimeoutMs?: number }): Promise<RedisCluster>;
