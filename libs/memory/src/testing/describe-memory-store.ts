import { InvalidIdentityError } from '../memory.errors.js';
import type { MemoryIdentity } from '../memory-identity.js';
import type { MemoryMessage, MemoryStore } from '../memory-store.js';
import { testRunner, type TestRunner } from './test-runner.js';

/** How {@link describeMemoryStore} gets a fresh store of the adapter under test, and cleans up after. */
export interface MemoryStoreHarness {
  /** Returns an empty store (called before every test). */
  create(): MemoryStore | Promise<MemoryStore>;
  /** Releases connections after the suite. */
  close?(): void | Promise<void>;
}

const user = (content: string): MemoryMessage => ({ role: 'user', content });
const texts = (ms: MemoryMessage[]) => ms.map((m) => m.content);

// Identities that collide under naive key schemes ("a:b" + "c" vs "a" + "b:c", absent vs empty, escapes).
const HOSTILE: MemoryIdentity[] = [
  { tenant: 'a:b', principal: 'c', conversationId: 'x' },
  { tenant: 'a', principal: 'b:c', conversationId: 'x' },
  { tenant: 'a\\', principal: 'b', conversationId: 'x' },
  { tenant: 'a', principal: '\\b', conversationId: 'x' },
  { tenant: '', principal: 'p', conversationId: 'x' },
  { principal: 'p', conversationId: 'x' },
  { tenant: '*', principal: '*', conversationId: 'x' },
  { tenant: '%', principal: '?', conversationId: '[x]' },
  { tenant: 'ü', principal: '日本', conversationId: '💬' },
  { conversationId: '_global' },
];

/**
 * The behaviour every MemoryStore must show. Each adapter's spec calls this with a factory for a
 * fresh store, so isolation, ordering and forgetting are proven the same way for all of them.
 */
export function describeMemoryStore(name: string, harness: MemoryStoreHarness): void {
  const t = testRunner();
  t.describe(`MemoryStore conformance: ${name}`, () => {
    // Each test reads the store through the holder: it is replaced before every test.
    const s = {} as Holder;
    t.beforeEach(async () => {
      s.store = await harness.create();
    });
    t.afterAll(async () => {
      await harness.close?.();
    });
    reading(t, s);
    isolation(t, s);
    forgetting(t, s);
    refusals(t, s);
  });
}

interface Holder {
  store: MemoryStore;
}

const alice: MemoryIdentity = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };

/** Loading: order, limits and paging. */
function reading(t: TestRunner, s: Holder): void {
  t.it('loads nothing for an unknown conversation', async () => {
    t.expect(await s.store.load(alice)).toEqual([]);
  });

  t.it('returns appended messages oldest first, across several appends', async () => {
    await s.store.append(alice, [user('1'), { role: 'assistant', content: '2', toolCalls: [{ id: 't1', name: 'clock', args: { tz: 'UTC' } }] }]);
    await s.store.append(alice, [{ role: 'tool', content: '3', toolCallId: 't1', name: 'clock' }]);
    await s.store.append(alice, [user('4')]);
    const loaded = await s.store.load(alice);
    t.expect(texts(loaded)).toEqual(['1', '2', '3', '4']);
    t.expect(loaded[1].toolCalls).toEqual([{ id: 't1', name: 'clock', args: { tz: 'UTC' } }]);
    t.expect(loaded[2]).toMatchObject({ role: 'tool', toolCallId: 't1', name: 'clock' });
  });

  t.it('loads only the last N messages', async () => {
    await s.store.append(alice, Array.from({ length: 30 }, (_, i) => user(String(i))));
    t.expect(texts(await s.store.load(alice, { limit: 3 }))).toEqual(['27', '28', '29']);
    t.expect(await s.store.load(alice, { limit: 100 })).toHaveLength(30);
    t.expect(await s.store.load(alice, { limit: 0 })).toEqual([]);
    await t.expect(s.store.load(alice, { limit: -1 })).rejects.toMatchObject({ code: 'invalid_limit' });
  });

  t.it('pages backwards with an offset of newest messages to skip', async () => {
    await s.store.append(alice, Array.from({ length: 7 }, (_, i) => user(String(i))));
    t.expect(texts(await s.store.load(alice, { limit: 3, offset: 0 }))).toEqual(['4', '5', '6']);
    t.expect(texts(await s.store.load(alice, { limit: 3, offset: 3 }))).toEqual(['1', '2', '3']);
    t.expect(texts(await s.store.load(alice, { limit: 3, offset: 6 }))).toEqual(['0']);
    t.expect(await s.store.load(alice, { limit: 3, offset: 7 })).toEqual([]);
    t.expect(await s.store.load(alice, { limit: 3, offset: 100 })).toEqual([]);
    await t.expect(s.store.load(alice, { limit: 3, offset: -1 })).rejects.toMatchObject({ code: 'invalid_limit' });
  });
}

/** Isolation: identities never share data, concurrent writers never interleave, keys apply once. */
function isolation(t: TestRunner, s: Holder): void {
  t.it('isolates tenants, principals and conversations that share the other fields', async () => {
    const variants: MemoryIdentity[] = [
      alice,
      { ...alice, tenant: 'globex' },
      { ...alice, principal: 'bob' },
      { ...alice, conversationId: 'c2' },
      { principal: 'alice', conversationId: 'c1' },
      { tenant: 'acme', conversationId: 'c1' },
      { conversationId: 'c1' },
    ];
    for (const [i, id] of variants.entries()) await s.store.append(id, [user(`msg-${i}`)]);
    for (const [i, id] of variants.entries()) t.expect(texts(await s.store.load(id))).toEqual([`msg-${i}`]);
  });

  t.it('keeps hostile identities apart (separators, escapes, empty vs absent, globs, unicode)', async () => {
    for (const [i, id] of HOSTILE.entries()) await s.store.append(id, [user(`h${i}`)]);
    for (const [i, id] of HOSTILE.entries()) t.expect(texts(await s.store.load(id))).toEqual([`h${i}`]);
  });

  t.it('never interleaves concurrent appends and loses none', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => s.store.append(alice, [user(`${i}-a`), user(`${i}-b`)])));
    const loaded = texts(await s.store.load(alice, { limit: 1000 }));
    t.expect(loaded).toHaveLength(80);
    for (let i = 0; i < 80; i += 2) t.expect(loaded[i + 1]).toBe(loaded[i].replace(/-a$/, '-b'));
    t.expect(new Set(loaded).size).toBe(80);
  });

  t.it('returns copies: mutating a loaded or appended message changes nothing stored', async () => {
    const msg = user('kept');
    await s.store.append(alice, [msg]);
    msg.content = 'mutated after append';
    const loaded = await s.store.load(alice);
    loaded[0].content = 'mutated after load';
    t.expect(texts(await s.store.load(alice))).toEqual(['kept']);
  });

  t.it('applies an append with an idempotency key once per conversation, even when retried concurrently', async () => {
    const other = { ...alice, conversationId: 'c2' };
    await Promise.all([1, 2, 3].map(() => s.store.append(alice, [user('run-1 q'), user('run-1 a')], { idempotencyKey: 'run-1' })));
    await s.store.append(alice, [user('run-1 retried')], { idempotencyKey: 'run-1' });
    await s.store.append(alice, [user('run-2')], { idempotencyKey: 'run-2' });
    await s.store.append(other, [user('same key, other conversation')], { idempotencyKey: 'run-1' });
    t.expect(texts(await s.store.load(alice))).toEqual(['run-1 q', 'run-1 a', 'run-2']);
    t.expect(texts(await s.store.load(other))).toEqual(['same key, other conversation']);
    await t.expect(s.store.append(alice, [user('x')], { idempotencyKey: '' })).rejects.toMatchObject({ code: 'invalid_idempotency_key' });
  });
}

/** Forgetting: a conversation, a tenant or a principal, and nothing beside it. */
function forgetting(t: TestRunner, s: Holder): void {
  t.it('forgets idempotency keys with the conversation', async () => {
    await s.store.append(alice, [user('first life')], { idempotencyKey: 'run-1' });
    await s.store.clear(alice);
    await s.store.append(alice, [user('second life')], { idempotencyKey: 'run-1' });
    t.expect(texts(await s.store.load(alice))).toEqual(['second life']);
    t.expect(await s.store.forgetTenant('acme')).toBe(1);
    await s.store.append(alice, [user('third life')], { idempotencyKey: 'run-1' });
    t.expect(texts(await s.store.load(alice))).toEqual(['third life']);
  });

  t.it('clears one conversation only', async () => {
    const other = { ...alice, conversationId: 'c2' };
    await s.store.append(alice, [user('a')]);
    await s.store.append(other, [user('b')]);
    await s.store.clear(alice);
    t.expect(await s.store.load(alice)).toEqual([]);
    t.expect(texts(await s.store.load(other))).toEqual(['b']);
  });

  t.it('forgets a whole tenant and nothing of any other tenant', async () => {
    const keep = [{ tenant: 'acme:x', principal: 'alice', conversationId: 'c1' }, { tenant: 'acm', conversationId: 'c1' }, { principal: 'acme', conversationId: 'c1' }];
    await s.store.append(alice, [user('a')]);
    await s.store.append({ ...alice, principal: 'bob', conversationId: 'c9' }, [user('b')]);
    await s.store.append({ tenant: 'acme', conversationId: 'c3' }, [user('c')]);
    for (const id of keep) await s.store.append(id, [user('keep')]);
    t.expect(await s.store.forgetTenant('acme')).toBe(3);
    t.expect(await s.store.load(alice)).toEqual([]);
    for (const id of keep) t.expect(texts(await s.store.load(id))).toEqual(['keep']);
  });

  t.it('forgets one principal within its tenant only', async () => {
    await s.store.append(alice, [user('a1')]);
    await s.store.append({ ...alice, conversationId: 'c2' }, [user('a2')]);
    await s.store.append({ ...alice, principal: 'bob' }, [user('bob')]);
    await s.store.append({ ...alice, tenant: 'globex' }, [user('globex alice')]);
    await s.store.append({ principal: 'alice', conversationId: 'c1' }, [user('no tenant')]);
    t.expect(await s.store.forgetPrincipal({ tenant: 'acme', principal: 'alice' })).toBe(2);
    t.expect(await s.store.load(alice)).toEqual([]);
    t.expect(texts(await s.store.load({ ...alice, principal: 'bob' }))).toEqual(['bob']);
    t.expect(texts(await s.store.load({ ...alice, tenant: 'globex' }))).toEqual(['globex alice']);
    t.expect(texts(await s.store.load({ principal: 'alice', conversationId: 'c1' }))).toEqual(['no tenant']);
  });
}

/** Refusals: malformed input is refused before any data is touched. */
function refusals(t: TestRunner, s: Holder): void {
  t.it('rejects malformed identities and messages before touching data', async () => {
    await t.expect(s.store.load({ tenant: 42 } as unknown as MemoryIdentity)).rejects.toBeInstanceOf(InvalidIdentityError);
    await t.expect(s.store.append({ ...alice, principal: 'x'.repeat(257) }, [user('a')])).rejects.toBeInstanceOf(InvalidIdentityError);
    await t.expect(s.store.append(alice, [{ role: 'system', content: 'x' } as unknown as MemoryMessage])).rejects.toMatchObject({ code: 'invalid_message' });
    await t.expect(s.store.forgetTenant('')).rejects.toBeInstanceOf(InvalidIdentityError);
    t.expect(await s.store.load(alice)).toEqual([]);
  });

  t.it('refuses ids that are not well-formed Unicode, so lone surrogates cannot collide with U+FFFD', async () => {
    for (const bad of ['\ud800', '\udfff', 'x\udc00', '\ud83d']) {
      await t.expect(s.store.append({ ...alice, conversationId: bad }, [user('a')])).rejects.toMatchObject({ code: 'invalid_identity' });
      await t.expect(s.store.load({ ...alice, principal: bad })).rejects.toMatchObject({ code: 'invalid_identity' });
    }
    await s.store.append({ ...alice, conversationId: '\ufffd' }, [user('replacement')]);
    await s.store.append({ ...alice, conversationId: '\ud83d\ude00' }, [user('emoji')]);
    t.expect(texts(await s.store.load({ ...alice, conversationId: '\ufffd' }))).toEqual(['replacement']);
    t.expect(texts(await s.store.load({ ...alice, conversationId: '\ud83d\ude00' }))).toEqual(['emoji']);
  });
}
