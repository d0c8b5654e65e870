import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { InMemoryRateLimitStore } from './rate-limit-store.js';
import { describeRateLimitStore } from './rate-limit-store.contract.js';
import { RedisRateLimitStore } from './redis-rate-limit-store.js';

// Two connections, as two instances would have: the budget is shared through Redis alone.
const redisA = new Redis(process.env.REDIS_URL!);
const redisB = new Redis(process.env.REDIS_URL!);
afterAll(() => Promise.all([redisA.quit(), redisB.quit()]));

describeRateLimitStore('InMemoryRateLimitStore', () => new InMemoryRateLimitStore(), () => randomUUID());
describeRateLimitStore('RedisRateLimitStore', () => new RedisRateLimitStore({ redis: redisA, prefix: 'test:rl:' }), () => randomUUID());

describe('RedisRateLimitStore across instances', () => {
  it('shares one budget between two connections', async () => {
    const key = randomUUID();
    const a = new RedisRateLimitStore({ redis: redisA, prefix: 'test:rl:' });
    const b = new RedisRateLimitStore({ redis: redisB, prefix: 'test:rl:' });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).take(key, { requests: 1, tokens: 0 }, { requestsPerMinute: 7 })));
    expect(results.filter((r) => r.allowed)).toHaveLength(7);
  });
});
