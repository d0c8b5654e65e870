import { afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { InMemoryCircuitState } from './circuit-state.js';
import { describeCircuitState } from './circuit-state.contract.js';
import { RedisCircuitState } from './redis-circuit-state.js';

const redis = new Redis(process.env.REDIS_URL!);
afterAll(() => redis.quit());

describeCircuitState('InMemoryCircuitState', () => new InMemoryCircuitState(), () => randomUUID());
describeCircuitState('RedisCircuitState', () => new RedisCircuitState({ redis, prefix: 'test:circuit:' }), () => randomUUID());
