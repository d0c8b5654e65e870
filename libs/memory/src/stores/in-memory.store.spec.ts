import { describe, expect, it } from '@jest/globals';
import { describeMemoryStore } from '../testing/describe-memory-store.js';
import { describeMemoryStoreProperties } from '../testing/describe-memory-store-properties.js';
import { InMemoryStore } from './in-memory.store.js';
import { DEFAULT_MAX_IDEMPOTENCY_KEYS } from '../memory-store.js';

describeMemoryStore('InMemoryStore', { create: () => new InMemoryStore() });

describeMemoryStoreProperties('InMemoryStore', { create: () => new InMemoryStore() });

describe('InMemoryStore caps', () => {
  it('keeps at most maxMessages per conversation and forgets an idle one after ttlMs', async () => {
    let now = 0;
    const store = new InMemoryStore({ maxMessages: 3, ttlMs: 1_000, now: () => now });
    const id = { tenant: 't', conversationId: 'c' };
    await store.append(id, ['1', '2'].map((content) => ({ role: 'user' as const, content })));
    await store.append(id, ['3', '4'].map((content) => ({ role: 'user' as const, content })));
    expect((await store.load(id)).map((m) => m.content)).toEqual(['2', '3', '4']);
    now = 999;
    expect(await store.load(id)).toHaveLength(3);
    await store.append(id, [{ role: 'user', content: '5' }]); // a write refreshes the TTL
    now = 1_998;
    expect((await store.load(id)).map((m) => m.content)).toEqual(['3', '4', '5']);
    now = 1_999;
    expect(await store.load(id)).toEqual([]);
    expect(() => new InMemoryStore({ maxMessages: 0 })).toThrow(/maxMessages/);
  });

  it('keeps at most maxConversations, dropping the least recently read or written, and still searches them all', async () => {
    const store = new InMemoryStore({ maxConversations: 3 });
    const id = (c: string) => ({ tenant: 't', principal: 'p', conversationId: c });
    const say = (c: string) => store.append(id(c), [{ role: 'user', content: c }], { embeddings: [[1, 0]] });
    for (const c of ['a', 'b', 'c']) await say(c);
    await store.load(id('a')); // a read makes 'a' recent: 'b' is now the least recently used
    await say('d');
    const kept = async () => (await Promise.all(['a', 'b', 'c', 'd'].map(async (c) => ((await store.load(id(c), {})).length ? c : '')))).join('');
    expect((await store.search(id('x'), [1, 0], { k: 10 })).map((h) => h.conversationId).sort()).toEqual(['a', 'c', 'd']);
    expect(await kept()).toBe('acd');
    expect(() => new InMemoryStore({ maxConversations: 0 })).toThrow(/maxConversations/);
  });

  it('past maxConversations takes from the tenant holding the most: one tenant starting conversations cannot push out another\'s', async () => {
    const store = new InMemoryStore({ maxConversations: 32 });
    const id = (tenant: string, c: number) => ({ tenant, principal: 'p', conversationId: `c${c}` });
    for (let c = 0; c < 4; c++) await store.append(id('quiet', c), [{ role: 'user', content: `quiet ${c}` }]);
    for (let c = 0; c < 200; c++) await store.append(id('flood', c), [{ role: 'user', content: `flood ${c}` }]);
    const kept = async (tenant: string, n: number) => (await Promise.all(Array.from({ length: n }, async (_, c) => (await store.load(id(tenant, c))).length))).reduce((a, b) => a + b, 0);
    expect(await kept('quiet', 4)).toBe(4);
    const flood = await kept('flood', 200);
    expect(flood).toBeLessThanOrEqual(28);
    expect(flood).toBeGreaterThan(0);
    // The flood's newest conversation is among the kept, its oldest is not.
    expect(await store.load(id('flood', 199))).toHaveLength(1);
    expect(await store.load(id('flood', 0))).toEqual([]);
    // Forgetting a tenant empties only its own conversations.
    expect(await store.forgetTenant('flood')).toBe(flood);
    expect(await kept('quiet', 4)).toBe(4);
  });
});

describe('InMemoryStore append idempotency keys', () => {
  const id = { tenant: 't', principal: 'p', conversationId: 'c' };
  const user = (content: string) => ({ role: 'user' as const, content });
  const contents = async (store: InMemoryStore) => (await store.load(id)).map((m) => m.content);

  it('keeps the newest maxIdempotencyKeys: a recent retry writes nothing, a key pushed out is applied again, and erasing drops them', async () => {
    const store = new InMemoryStore({ maxIdempotencyKeys: 3 });
    for (const run of ['r1', 'r2', 'r3', 'r4', 'r5']) await store.append(id, [user(run)], { idempotencyKey: run });
    // A retry inside the window changes nothing, the window included.
    for (const run of ['r3', 'r4', 'r5']) await store.append(id, [user(`${run} retried`)], { idempotencyKey: run });
    expect(await contents(store)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    // By design: r1 fell off after three newer keyed appends, so its retry writes again (and pushes out r3).
    await store.append(id, [user('r1 retried')], { idempotencyKey: 'r1' });
    expect(await contents(store)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r1 retried']);
    for (const run of ['r4', 'r5', 'r1']) await store.append(id, [user(`${run} again`)], { idempotencyKey: run });
    expect(await contents(store)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r1 retried']);
    await store.append(id, [user('r3 again')], { idempotencyKey: 'r3' });
    expect((await contents(store)).at(-1)).toBe('r3 again');
    // Erasing the conversation forgets its keys: the same key writes again.
    await store.clear(id);
    await store.append(id, [user('r3 after erasure')], { idempotencyKey: 'r3' });
    expect(await contents(store)).toEqual(['r3 after erasure']);
    expect(() => new InMemoryStore({ maxIdempotencyKeys: 0 })).toThrow(/maxIdempotencyKeys/);
  });

  it(`keeps ${DEFAULT_MAX_IDEMPOTENCY_KEYS} keys per conversation by default, whatever maxMessages`, async () => {
    const store = new InMemoryStore({ maxMessages: 2 });
    const extra = 5;
    const last = DEFAULT_MAX_IDEMPOTENCY_KEYS + extra - 1;
    for (let i = 0; i <= last; i++) await store.append(id, [user(String(i))], { idempotencyKey: `run-${i}` });
    // The oldest and the newest key kept: their retries write nothing.
    for (const i of [extra, last]) await store.append(id, [user(`retry ${i}`)], { idempotencyKey: `run-${i}` });
    expect(await contents(store)).toEqual([String(last - 1), String(last)]);
    // The newest key pushed out: its retry writes.
    await store.append(id, [user(`retry ${extra - 1}`)], { idempotencyKey: `run-${extra - 1}` });
    expect(await contents(store)).toEqual([String(last), `retry ${extra - 1}`]);
  });
});

describe('InMemoryStore search', () => {
  it('refuses to compare vectors of different lengths (another embedder), like providers\' cosineSimilarity', async () => {
    const store = new InMemoryStore();
    const id = { tenant: 't', principal: 'p', conversationId: 'c' };
    await store.append(id, [{ role: 'user', content: 'x' }], { embeddings: [[1, 0, 0]] });
    await expect(store.search(id, [1, 0])).rejects.toMatchObject({ code: 'invalid_vector' });
    expect((await store.search(id, [1, 0, 0]))[0].score).toBeCloseTo(1);
  });
});
