import { randomUUID } from 'node:crypto';
import { InMemoryRateLimitStore } from './rate-limit-store.js';
import { describeRateLimitStore } from './rate-limit-store.contract.js';

// RedisRateLimitStore meets the same contract in redis-rate-limit-store.int.spec.ts.
describeRateLimitStore('InMemoryRateLimitStore', (now) => new InMemoryRateLimitStore(now), () => randomUUID());
