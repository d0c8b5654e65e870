import { randomUUID } from 'node:crypto';
import { InMemoryCircuitState } from './circuit-state.js';
import { describeCircuitState } from './circuit-state.contract.js';

// RedisCircuitState meets the same contract in redis-circuit-state.int.spec.ts.
describeCircuitState('InMemoryCircuitState', () => new InMemoryCircuitState(), () => randomUUID());
