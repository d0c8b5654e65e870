import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { describeRateLimitStore } from './rate-limit-store.contract.js';
import { RedisRateLimitStore } from './redis-rate-limit-store.js';

// Two connections, as two instances would have: the budget is shared through Redis alone.
const redisA = new Redis(process.env.REDIS_URL!);
const redisB = new Redis(process.env.REDIS_URL!);
// The test run's real 6-node cluster (test/redis-cluster.js), through two clients as well.
const nodes = process.env.REDIS_CLUSTER_NODES!.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) }));
const [clusterA, clusterB] = [new Cluster(nodes), new Cluster(nodes)];
afterAll(() => Promise.all([redisA, redisB, clusterA, clusterB].map((c) => c.quit())));

describeRateLimitStore('RedisRateLimitStore', (now) => new RedisRateLimitStore({ redis: redisA, prefix: 'test:rl:', now }), () => randomUUID());
describeRateLimitStore('RedisRateLimitStore on a Redis Cluster', (now) => new RedisRateLimitStore({ redis: clusterA, prefix: 'test:rl:', now }), () => randomUUID());

describe('RedisRateLimitStore across instances', () => {
  it.each([
    ['one Redis', () => [redisA, redisB]],
    ['a Redis Cluster', () => [clusterA, clusterB]],
  ])('shares one budget between two connections on %s', async (_where, clients) => {
    const key = randomUUID();
    const [first, second] = clients();
    const a = new RedisRateLimitStore({ redis: first, prefix: 'test:rl:' });
    const b = new RedisRateLimitStore({ redis: second, prefix: 'test:rl:' });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).take(key, { requests: 1, tokens: 0 }, { requestsPerMinute: 7 })));
    expect(results.filter((r) => r.allowed)).toHaveLength(7);
  });
});
