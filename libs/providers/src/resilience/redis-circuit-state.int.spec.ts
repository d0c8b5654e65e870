import { afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { describeCircuitState } from './circuit-state.contract.js';
import { RedisCircuitState } from './redis-circuit-state.js';

const redis = new Redis(process.env.REDIS_URL!);
// The test run's real 6-node cluster (test/redis-cluster.js).
const cluster = new Cluster(process.env.REDIS_CLUSTER_NODES!.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })));
afterAll(() => Promise.all([redis.quit(), cluster.quit()]));

describeCircuitState('RedisCircuitState', () => new RedisCircuitState({ redis, prefix: 'test:circuit:' }), () => randomUUID());
describeCircuitState('RedisCircuitState on a Redis Cluster', () => new RedisCircuitState({ redis: cluster, prefix: 'test:circuit:' }), () => randomUUID());
