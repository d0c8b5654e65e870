import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { describeMemoryStore } from '../testing/describe-memory-store.js';
import { describeMemoryStoreProperties } from '../testing/describe-memory-store-properties.js';
import { CrossTenantAccessError } from '../memory.errors.js';
import type { MemoryIdentity } from '../memory-identity.js';
import { DEFAULT_MAX_IDEMPOTENCY_KEYS, type MemoryAuditEvent } from '../memory-store.js';
import { encodeIdentityKey } from '../identity-key.js';
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

/**
 * A conversation's list and applied-keys keys, found under a store's own fresh prefix by the identity
 * key they end with (the layout "keeps a whole conversation in one hash slot" pins).
 */
async function keysOf(client: Redis | Cluster, prefix: string, id: MemoryIdentity) {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const found = (await Promise.all(nodes.map((n) => n.keys(`${prefix}*`)))).flat();
  const list = found.find((k) => k.endsWith(`}:${encodeIdentityKey(id)}`));
  if (!list) throw new Error(`no conversation under ${prefix}`);
  return { list, applied: `${list}:applied` };
}

/** A TCP proxy to `target` that counts the writes reaching it from its clients. */
async function writeCountingProxy(target: URL) {
  let writes = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => (client.destroy(), upstream.destroy()));
    }
    client.on('data', () => writes++);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    writes: () => writes,
    close: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
}

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
    // What the client writes to the socket, counted by a proxy in front of the server: each write is one
    // round trip (the store awaits the answer), whatever commands it carries.
    const proxy = await writeCountingProxy(new URL(process.env.REDIS_URL!));
    const client = new Redis(proxy.url);
    try {
      await client.ping();
      const store = new RedisStore({ redis: client, prefix: freshPrefix(), maxMessages: 100, ttlMs: 10_000 });
      const before = proxy.writes();
      await store.append(alice, [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]);
      const appended = proxy.writes();
      expect((await store.load(alice, { limit: 20 })).map((m) => m.content)).toEqual(['a', 'b']);
      expect([appended - before, proxy.writes() - appended]).toEqual([1, 1]);
    } finally {
      await client.quit();
      await proxy.close();
    }
  });

  const say = (store: RedisStore, run: string) => store.append(alice, [{ role: 'user', content: run }], { idempotencyKey: run });

  it.each([
    ['one Redis', () => redis],
    ['a cluster', () => cluster],
  ])('on %s keeps the newest maxIdempotencyKeys in a sorted set with the list’s TTL, and erasing drops them', async (_where, client) => {
    const prefix = freshPrefix();
    const store = new RedisStore({ redis: client(), prefix, maxIdempotencyKeys: 3, ttlMs: 60_000 });
    for (const run of ['r1', 'r2', 'r3', 'r4', 'r5']) await say(store, run);
    const { list, applied } = await keysOf(client(), prefix, alice);
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
    const prefix = freshPrefix();
    const store = new RedisStore({ redis, prefix, maxMessages: 2 });
    const extra = 5;
    for (let i = 0; i < DEFAULT_MAX_IDEMPOTENCY_KEYS + extra; i++) await say(store, `run-${i}`);
    const { list, applied } = await keysOf(redis, prefix, alice);
    expect(await redis.zcard(applied)).toBe(DEFAULT_MAX_IDEMPOTENCY_KEYS);
    expect(await redis.zrange(applied, 0, '0')).toEqual([`run-${extra}`]);
    expect(await redis.zrange(applied, -1, '-1')).toEqual([`run-${DEFAULT_MAX_IDEMPOTENCY_KEYS + extra - 1}`]);
    expect(await redis.llen(list)).toBe(2);
  });

  it('still deduplicates against a plain set written by an earlier version, then turns it into the capped sorted set', async () => {
    const prefix = freshPrefix();
    const store = new RedisStore({ redis, prefix, maxIdempotencyKeys: 10 });
    await say(store, 'seed');
    const { list, applied } = await keysOf(redis, prefix, alice);
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
    const prefix = freshPrefix();
    const store = new RedisStore({ redis, prefix, maxIdempotencyKeys: 3 });
    const bob = { ...alice, principal: 'bob' };
    // Conversations written before idempotency keys were capped: a plain set of 50 keys each.
    for (const id of [alice, bob]) {
      await store.append(id, [{ role: 'user', content: 'before' }]);
      await redis.sadd((await keysOf(redis, prefix, id)).applied, ...Array.from({ length: 50 }, (_, i) => `old-${i}`));
    }
    const bobKeys = await keysOf(redis, prefix, bob);
    await say(store, 'new-1');
    const { applied } = await keysOf(redis, prefix, alice);
    expect(await redis.zcard(applied)).toBe(3);
    expect(await redis.zrange(applied, -1, '-1')).toEqual(['new-1']);
    // bob's conversation was never appended to again: its old set is still a set, and goes with the tenant.
    expect(await redis.type(bobKeys.applied)).toBe('set');
    expect(await store.forgetTenant('acme')).toBe(2);
    expect(await redis.exists(bobKeys.applied, applied)).toBe(0);
  });

  it('opens its own connection from a URL and closes it', async () => {
    const store = await RedisStore.fromUrl(process.env.REDIS_URL!, { prefix: freshPrefix() });
    await store.append(alice, [{ role: 'user', content: 'x' }]);
    expect(await store.load(alice)).toHaveLength(1);
    await store.close();
  });
});
