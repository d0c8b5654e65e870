import { afterAll, describe, expect, it } from '@jest/globals';
import { Cluster } from 'ioredis';
import { keySlot, replicated } from './replicated.js';

// The test run's real 6-node cluster (test/redis-cluster.js) is the reference.
const cluster = new Cluster(process.env.REDIS_CLUSTER_NODES!.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })));
afterAll(() => cluster.quit());

describe('keySlot', () => {
  it('computes the slot Redis computes, hash tags and all', async () => {
    const keys = ['', 'a', 'agentnest:run:{abc}:1', '{agentnest:bull}:agentnest-runs:id', 'x{}y', '{}{tag}', 'é{ü}ß', 'foo{bar}{zap}', '{user1000}.following', ...Array.from({ length: 50 }, (_, i) => `key-${i}-${'z'.repeat(i)}`)];
    for (const key of keys) expect([key, keySlot(key)]).toEqual([key, Number(await cluster.cluster('KEYSLOT', key))]);
  });
});

describe('replicated', () => {
  /** A cluster client as ioredis shapes it: a slot map and its master nodes, whose WAITs are recorded. */
  const fakeCluster = (slotOwners: string[]) => {
    const waits: string[] = [];
    const node = { options: { host: '10.0.0.1', port: 7000 }, wait: async () => void waits.push('10.0.0.1:7000') };
    const slots: string[][] = [];
    slots[keySlot('{t}')] = slotOwners;
    return { client: { isCluster: true, slots, nodes: () => [node] } as never, waits };
  };

  it("waits on the slot's master while it has a replica, and not at all when it has none (right after a failover)", async () => {
    const withReplica = fakeCluster(['10.0.0.1:7000', '10.0.0.2:7001']);
    await replicated(withReplica.client, '{t}:run');
    expect(withReplica.waits).toEqual(['10.0.0.1:7000']);
    const alone = fakeCluster(['10.0.0.1:7000']);
    await replicated(alone.client, '{t}:run');
    expect(alone.waits).toEqual([]);
  });
});
