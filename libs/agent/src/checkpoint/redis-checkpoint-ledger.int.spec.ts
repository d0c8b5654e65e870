import { afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { RedisCheckpointLedger } from './redis-checkpoint-ledger.js';
import { describeCheckpointLedger } from './testing/describe-checkpoint-ledger.js';

const redis = new Redis(process.env.REDIS_URL!);
// The test run's real 6-node cluster (test/redis-cluster.js).
const cluster = new Cluster(process.env.REDIS_CLUSTER_NODES!.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })));
afterAll(() => Promise.all([redis.quit(), cluster.quit()]));

describeCheckpointLedger('RedisCheckpointLedger', () => new RedisCheckpointLedger({ redis, prefix: `ckpt-spec-${randomUUID()}:` }));
describeCheckpointLedger('RedisCheckpointLedger on a Redis Cluster', () => new RedisCheckpointLedger({ redis: cluster, prefix: `ckpt-spec-${randomUUID()}:` }));
