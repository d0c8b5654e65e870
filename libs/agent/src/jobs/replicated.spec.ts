import { afterAll, describe, expect, it } from '@jest/globals';
import { Cluster } from 'ioredis';
import { keySlot } from './replicated.js';

// The test run's real 6-node cluster (test/redis-cluster.js) is the reference.
const cluster = new Cluster(process.env.REDIS_CLUSTER_NODES!.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })));
afterAll(() => cluster.quit());

describe('keySlot', () => {
  it('computes the slot Redis computes, hash tags and all', async () => {
    const keys = ['', 'a', 'agentnest:run:{abc}:1', '{agentnest:bull}:agentnest-runs:id', 'x{}y', '{}{tag}', 'é{ü}ß', 'foo{bar}{zap}', '{user1000}.following', ...Array.from({ length: 50 }, (_, i) => `key-${i}-${'z'.repeat(i)}`)];
    for (const key of keys) expect([key, keySlot(key)]).toEqual([key, Number(await cluster.cluster('KEYSLOT', key))]);
  });
});
