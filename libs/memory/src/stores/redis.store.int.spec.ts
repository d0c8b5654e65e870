import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { describeMemoryStore } from '../testing/describe-memory-store.js';
import { describeMemoryStoreProperties } from '../testing/describe-memory-store-properties.js';
import { CrossTenantAccessError } from '../memory.errors.js';
import type { MemoryIdentity } from '../memory-identity.js';
import { DEFAULT_MAX_IDEMPOTENCY_KEYS, type MemoryAuditEvent } from '../memory-store.js';
import { RedisStore } from './redis.store.js';

const redis = new Redis(process.env.REDIS_URL!);
// The test run's real 6-node cluster (test/redis-cluster.js): the same contract must hold on it.
const cluster = new Cluster(process.env.REDIS_CLUSTER_NODES!.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })));
afterAll(() => Promise.all([redis.quit(), cluster.quit()]));
const freshPrefix = () => `test:mem:${randomUUID()}:`;

describeMemoryStore('RedisStore', { create: () => new RedisStore({ redis, prefix: freshPrefix() }) });
describeMemoryStore('RedisStore on a Redis Cluster', { create: () => new RedisStore({ redis: cluster, prefix: freshPrefix() }) });

describeMemoryStoreProperties('RedisStore', { create: () => new RedisStore({ redis, prefix: freshPrefix() }) });
describeMemoryStoreProperties('RedisStore on a Redis Cluster', { create: () => new RedisStore({ redis: cluster, prefix: freshPrefix() }) });

describe('RedisStore specifics', () => {
  const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };

  it('keeps a whole conversation in one hash slot under the prefix', async () => {
    const prefix = freshPrefix();
    const store = new RedisStore({ redis, prefix });
    await store.append(alice, [{ role: 'user', content: 'hi' }]);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${prefix}\\{[A-Za-z0-9_-]{22}\\}:=acme:=alice:=c1$`));
  });

  it('caps stored history and refreshes the TTL on every write', async () => {
    const prefix = freshPrefix();
    const store = new RedisStore({ redis, prefix, maxMessages: 3, ttlMs: 60_000 });
    for (let i = 0; i < 5; i++) await store.append(alice, [{ role: 'user', content: String(i) }]);
    expect((await store.load(alice)).map((m) => m.content)).toEqual(['2', '3', '4']);
    const [key] = await redis.keys(`${prefix}*`);
    await redis.pexpire(key, 1_000);
    await store.append(alice, [{ role: 'user', content: '5' }]);
    expect(await redis.pttl(key)).toBeGreaterThan(50_000);
  });

  it.each([
    ['one Redis', () => redis],
    ['a cluster (every master scanned)', () => cluster],
  ])('forgets with SCAN on %s, safe against glob characters and braces in ids', async (_where, client) => {
    const prefix = freshPrefix();
    const store = new RedisStore({ redis: client(), prefix, scanCount: 3 });
    const hostile = ['a*', 'a?', 'a[b]', 'a\\', 'x}:=acme', '{acme}'];
    for (const t of ['acme', ...hostile]) for (let c = 0; c < 4; c++) await store.append({ tenant: t, principal: 'p', conversationId: `c${c}` }, [{ role: 'user', content: t }]);
    // On the cluster the conversations really are spread over several masters.
    if (client() === cluster) expect((await Promise.all(cluster.nodes('master').map((n) => n.keys(`${prefix}*`)))).filter((keys) => keys.length).length).toBeGreaterThan(1);
    expect(await store.forgetTenant('a*')).toBe(4);
    expect(await store.forgetTenant('acme')).toBe(4);
    for (const t of hostile.filter((h) => h !== 'a*')) expect((await store.load({ tenant: t, principal: 'p', conversationId: 'c0' })).map((m) => m.content)).toEqual([t]);
  });

  it('refuses and audits an element whose identity is not the reader’s', async () => {
    const audit: MemoryAuditEvent[] = [];
    const prefix = freshPrefix();
    const store = new RedisStore({ redis, prefix, onAudit: (e) => audit.push(e) });
    await store.append(alice, [{ role: 'user', content: 'mine' }]);
    const [key] = await redis.keys(`${prefix}*`);
    // Simulate a bug or an attacker writing another tenant's record into alice's list.
    await redis.rpush(key, JSON.stringify(['globex', 'bob', 'c1', { role: 'user', content: 'globex secret' }]));
    const err = await store.load(alice).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrossTenantAccessError);
    expect(String((err as Error).message)).not.toContain('globex secret');
    expect(audit).toEqual([expect.objectContaining({ type: 'memory.access_refused', store: 'redis', requested: { tenant: 'acme', principal: 'alice' } })]);
  });

  it('uses one round trip per load and per append', async () => {
    // The commands this client sends, as it sends them: MONITOR on the shared server broke under other
    // workers' traffic (ioredis lost its reply queue), and a test that watches Redis must not depend on who else uses it.
    const client = new Redis(process.env.REDIS_URL!);
    await client.ping();
    const seen: string[] = [];
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command: { name: string }, stream?: unknown) => (seen.push(command.name.toLowerCase()), send(command as never, stream as never))) as typeof client.sendCommand;
    const store = new RedisStore({ redis: client, prefix: freshPrefix(), maxMessages: 100, ttlMs: 10_000 });
    await store.append(alice, [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]);
    const appended = seen.length;
    await store.load(alice, { limit: 20 });
    await client.quit();
    // One MULTI…EXEC (queued and written together: one round trip), then one LRANGE.
    expect(seen.slice(0, appended)).toEqual(['multi', 'rpush', 'ltrim', 'pexpire', 'exec']);
    expect(seen.slice(appended).filter((c) => c !== 'quit')).toEqual(['lrange']);
  });

  // The conversation's list and applied-keys keys, as the store names them.
  const keysOf = (store: RedisStore, id: MemoryIdentity) => {
    const list = (store as unknown as { keyOf(id: MemoryIdentity): string }).keyOf(id);
    return { list, applied: `${list}:applied` };
  };
  const say = (store: RedisStore, run: string) => store.append(alice, [{ role: 'user', content: run }], { idempotencyKey: run });

  it.each([
    ['one Redis', () => redis],
    ['a cluster', () => cluster],
  ])('on %s keeps the newest maxIdempotencyKeys in a sorted set with the list’s TTL, and erasing drops them', async (_where, client) => {
    const store = new RedisStore({ redis: client(), prefix: freshPrefix(), maxIdempotencyKeys: 3, ttlMs: 60_000 });
    const { list, applied } = keysOf(store, alice);
    for (const run of ['r1', 'r2', 'r3', 'r4', 'r5']) await say(store, run);
    expect(await client().zrange(applied, 0, '-1')).toEqual(['r3', 'r4', 'r5']);
    expect(await client().pttl(applied)).toBeGreaterThan(50_000);
    await say(store, 'r3');
    await say(store, 'r5');
    expect(await client().llen(list)).toBe(5);
    // By design: r1 fell off after three newer keyed appends, so its retry writes again (and pushes out r3).
    await say(store, 'r1');
    expect(await client().lrange(list, 0, -1)).toHaveLength(6);
    expect(await client().zrange(applied, 0, '-1')).toEqual(['r4', 'r5', 'r1']);
    await store.clear(alice);
    expect(await client().exists(list, applied)).toBe(0);
    expect(() => new RedisStore({ redis, maxIdempotencyKeys: 0 })).toThrow(/maxIdempotencyKeys/);
  });

  it(`keeps ${DEFAULT_MAX_IDEMPOTENCY_KEYS} keys per conversation by default, whatever maxMessages`, async () => {
    const store = new RedisStore({ redis, prefix: freshPrefix(), maxMessages: 2 });
    const extra = 5;
    for (let i = 0; i < DEFAULT_MAX_IDEMPOTENCY_KEYS + extra; i++) await say(store, `run-${i}`);
    const { list, applied } = keysOf(store, alice);
    expect(await redis.zcard(applied)).toBe(DEFAULT_MAX_IDEMPOTENCY_KEYS);
    expect(await redis.zrange(applied, 0, '0')).toEqual([`run-${extra}`]);
    expect(await redis.zrange(applied, -1, '-1')).toEqual([`run-${DEFAULT_MAX_IDEMPOTENCY_KEYS + extra - 1}`]);
    expect(await redis.llen(list)).toBe(2);
  });

  it('still deduplicates against a plain set written by an earlier version, then turns it into the capped sorted set', async () => {
    const store = new RedisStore({ redis, prefix: freshPrefix(), maxIdempotencyKeys: 10 });
    const { list, applied } = keysOf(store, alice);
    await say(store, 'seed');
    await redis.del(applied);
    await redis.sadd(applied, 'old-1', 'old-2', 'old-3');
    await redis.pexpire(applied, 60_000);
    await say(store, 'old-2');
    expect(await redis.type(applied)).toBe('set'); // a duplicate is answered from the old set as it is
    await say(store, 'new-1');
    expect(await redis.llen(list)).toBe(2);
    expect(await redis.type(applied)).toBe('zset');
    // The old keys are older than any new one; the set's TTL is kept though this store sets none.
    expect(await redis.zrange(applied, 0, '-1', 'WITHSCORES')).toEqual(['old-1', '0', 'old-2', '0', 'old-3', '0', 'new-1', '1']);
    expect(await redis.pttl(applied)).toBeGreaterThan(50_000);
    await say(store, 'old-3');
    await say(store, 'new-1');
    expect(await redis.llen(list)).toBe(2);
    await store.clear(alice);
    expect(await redis.exists(list, applied)).toBe(0);
  });

  it('keeps at most maxIdempotencyKeys of an old plain set, and forgetting a tenant removes one', async () => {
    const store = new RedisStore({ redis, prefix: freshPrefix(), maxIdempotencyKeys: 3 });
    const bob = { ...alice, principal: 'bob' };
    for (const id of [alice, bob]) {
      const { list, applied } = keysOf(store, id);
      await redis.rpush(list, JSON.stringify([id.tenant, id.principal, id.conversationId, { role: 'user', content: 'before' }]));
      await redis.sadd(applied, ...Array.from({ length: 50 }, (_, i) => `old-${i}`));
    }
    await say(store, 'new-1');
    const { applied } = keysOf(store, alice);
    expect(await redis.zcard(applied)).toBe(3);
    expect(await redis.zrange(applied, -1, '-1')).toEqual(['new-1']);
    // bob's conversation was never appended to again: its old set is still a set, and goes with the tenant.
    expect(await redis.type(keysOf(store, bob).applied)).toBe('set');
    expect(await store.forgetTenant('acme')).toBe(2);
    expect(await redis.exists(keysOf(store, bob).applied, applied)).toBe(0);
  });

  it('opens its own connection from a URL and closes it', async () => {
    const store = await RedisStore.fromUrl(process.env.REDIS_URL!, { prefix: freshPrefix() });
    await store.append(alice, [{ role: 'user', content: 'x' }]);
    expect(await store.load(alice)).toHaveLength(1);
    await store.close();
  });
});
