import { InvalidIdentityError } from '../memory.errors.js';
import type { MemoryIdentity } from '../memory-identity.js';
import type { MemoryMessage, MemoryStore } from '../memory-store.js';
import { testRunner } from './test-runner.js';

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
  const { describe, it, expect, beforeEach, afterAll } = testRunner();
  describe(`MemoryStore conformance: ${name}`, () => {
    let store: MemoryStore;
    beforeEach(async () => {
      store = await harness.create();
    });
    afterAll(async () => {
      await harness.close?.();
    });

    const alice: MemoryIdentity = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };

    it('loads nothing for an unknown conversation', async () => {
      expect(await store.load(alice)).toEqual([]);
    });

    it('returns appended messages oldest first, across several appends', async () => {
      await store.append(alice, [user('1'), { role: 'assistant', content: '2', toolCalls: [{ id: 't1', name: 'clock', args: { tz: 'UTC' } }] }]);
      await store.append(alice, [{ role: 'tool', content: '3', toolCallId: 't1', name: 'clock' }]);
      await store.append(alice, [user('4')]);
      const loaded = await store.load(alice);
      expect(texts(loaded)).toEqual(['1', '2', '3', '4']);
      expect(loaded[1].toolCalls).toEqual([{ id: 't1', name: 'clock', args: { tz: 'UTC' } }]);
      expect(loaded[2]).toMatchObject({ role: 'tool', toolCallId: 't1', name: 'clock' });
    });

    it('loads only the last N messages', async () => {
      await store.append(alice, Array.from({ length: 30 }, (_, i) => user(String(i))));
      expect(texts(await store.load(alice, { limit: 3 }))).toEqual(['27', '28', '29']);
      expect(await store.load(alice, { limit: 100 })).toHaveLength(30);
      expect(await store.load(alice, { limit: 0 })).toEqual([]);
      await expect(store.load(alice, { limit: -1 })).rejects.toMatchObject({ code: 'invalid_limit' });
    });

    it('pages backwards with an offset of newest messages to skip', async () => {
      await store.append(alice, Array.from({ length: 7 }, (_, i) => user(String(i))));
      expect(texts(await store.load(alice, { limit: 3, offset: 0 }))).toEqual(['4', '5', '6']);
      expect(texts(await store.load(alice, { limit: 3, offset: 3 }))).toEqual(['1', '2', '3']);
      expect(texts(await store.load(alice, { limit: 3, offset: 6 }))).toEqual(['0']);
      expect(await store.load(alice, { limit: 3, offset: 7 })).toEqual([]);
      expect(await store.load(alice, { limit: 3, offset: 100 })).toEqual([]);
      await expect(store.load(alice, { limit: 3, offset: -1 })).rejects.toMatchObject({ code: 'invalid_limit' });
    });

    it('isolates tenants, principals and conversations that share the other fields', async () => {
      const variants: MemoryIdentity[] = [
        alice,
        { ...alice, tenant: 'globex' },
        { ...alice, principal: 'bob' },
        { ...alice, conversationId: 'c2' },
        { principal: 'alice', conversationId: 'c1' },
        { tenant: 'acme', conversationId: 'c1' },
        { conversationId: 'c1' },
      ];
      for (const [i, id] of variants.entries()) await store.append(id, [user(`msg-${i}`)]);
      for (const [i, id] of variants.entries()) expect(texts(await store.load(id))).toEqual([`msg-${i}`]);
    });

    it('keeps hostile identities apart (separators, escapes, empty vs absent, globs, unicode)', async () => {
      for (const [i, id] of HOSTILE.entries()) await store.append(id, [user(`h${i}`)]);
      for (const [i, id] of HOSTILE.entries()) expect(texts(await store.load(id))).toEqual([`h${i}`]);
    });

    it('never interleaves concurrent appends and loses none', async () => {
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.append(alice, [user(`${i}-a`), user(`${i}-b`)])));
      const loaded = texts(await store.load(alice, { limit: 1000 }));
      expect(loaded).toHaveLength(80);
      for (let i = 0; i < 80; i += 2) expect(loaded[i + 1]).toBe(loaded[i].replace(/-a$/, '-b'));
      expect(new Set(loaded).size).toBe(80);
    });

    it('returns copies: mutating a loaded or appended message changes nothing stored', async () => {
      const msg = user('kept');
      await store.append(alice, [msg]);
      msg.content = 'mutated after append';
      const loaded = await store.load(alice);
      loaded[0].content = 'mutated after load';
      expect(texts(await store.load(alice))).toEqual(['kept']);
    });

    it('applies an append with an idempotency key once per conversation, even when retried concurrently', async () => {
      const other = { ...alice, conversationId: 'c2' };
      await Promise.all([1, 2, 3].map(() => store.append(alice, [user('run-1 q'), user('run-1 a')], { idempotencyKey: 'run-1' })));
      await store.append(alice, [user('run-1 retried')], { idempotencyKey: 'run-1' });
      await store.append(alice, [user('run-2')], { idempotencyKey: 'run-2' });
      await store.append(other, [user('same key, other conversation')], { idempotencyKey: 'run-1' });
      expect(texts(await store.load(alice))).toEqual(['run-1 q', 'run-1 a', 'run-2']);
      expect(texts(await store.load(other))).toEqual(['same key, other conversation']);
      await expect(store.append(alice, [user('x')], { idempotencyKey: '' })).rejects.toMatchObject({ code: 'invalid_idempotency_key' });
    });

    it('forgets idempotency keys with the conversation', async () => {
      await store.append(alice, [user('first life')], { idempotencyKey: 'run-1' });
      await store.clear(alice);
      await store.append(alice, [user('second life')], { idempotencyKey: 'run-1' });
      expect(texts(await store.load(alice))).toEqual(['second life']);
      expect(await store.forgetTenant('acme')).toBe(1);
      await store.append(alice, [user('third life')], { idempotencyKey: 'run-1' });
      expect(texts(await store.load(alice))).toEqual(['third life']);
    });

    it('clears one conversation only', async () => {
      const other = { ...alice, conversationId: 'c2' };
      await store.append(alice, [user('a')]);
      await store.append(other, [user('b')]);
      await store.clear(alice);
      expect(await store.load(alice)).toEqual([]);
      expect(texts(await store.load(other))).toEqual(['b']);
    });

    it('forgets a whole tenant and nothing of any other tenant', async () => {
      const keep = [{ tenant: 'acme:x', principal: 'alice', conversationId: 'c1' }, { tenant: 'acm', conversationId: 'c1' }, { principal: 'acme', conversationId: 'c1' }];
      await store.append(alice, [user('a')]);
      await store.append({ ...alice, principal: 'bob', conversationId: 'c9' }, [user('b')]);
      await store.append({ tenant: 'acme', conversationId: 'c3' }, [user('c')]);
      for (const id of keep) await store.append(id, [user('keep')]);
      expect(await store.forgetTenant('acme')).toBe(3);
      expect(await store.load(alice)).toEqual([]);
      for (const id of keep) expect(texts(await store.load(id))).toEqual(['keep']);
    });

    it('forgets one principal within its tenant only', async () => {
      await store.append(alice, [user('a1')]);
      await store.append({ ...alice, conversationId: 'c2' }, [user('a2')]);
      await store.append({ ...alice, principal: 'bob' }, [user('bob')]);
      await store.append({ ...alice, tenant: 'globex' }, [user('globex alice')]);
      await store.append({ principal: 'alice', conversationId: 'c1' }, [user('no tenant')]);
      expect(await store.forgetPrincipal({ tenant: 'acme', principal: 'alice' })).toBe(2);
      expect(await store.load(alice)).toEqual([]);
      expect(texts(await store.load({ ...alice, principal: 'bob' }))).toEqual(['bob']);
      expect(texts(await store.load({ ...alice, tenant: 'globex' }))).toEqual(['globex alice']);
      expect(texts(await store.load({ principal: 'alice', conversationId: 'c1' }))).toEqual(['no tenant']);
    });

    it('rejects malformed identities and messages before touching data', async () => {
      await expect(store.load({ tenant: 42 } as unknown as MemoryIdentity)).rejects.toBeInstanceOf(InvalidIdentityError);
      await expect(store.append({ ...alice, principal: 'x'.repeat(257) }, [user('a')])).rejects.toBeInstanceOf(InvalidIdentityError);
      await expect(store.append(alice, [{ role: 'system', content: 'x' } as unknown as MemoryMessage])).rejects.toMatchObject({ code: 'invalid_message' });
      await expect(store.forgetTenant('')).rejects.toBeInstanceOf(InvalidIdentityError);
      expect(await store.load(alice)).toEqual([]);
    });

    it('refuses ids that are not well-formed Unicode, so lone surrogates cannot collide with U+FFFD', async () => {
      for (const bad of ['\ud800', '\udfff', 'x\udc00', '\ud83d']) {
        await expect(store.append({ ...alice, conversationId: bad }, [user('a')])).rejects.toMatchObject({ code: 'invalid_identity' });
        await expect(store.load({ ...alice, principal: bad })).rejects.toMatchObject({ code: 'invalid_identity' });
      }
      await store.append({ ...alice, conversationId: '\ufffd' }, [user('replacement')]);
      await store.append({ ...alice, conversationId: '\ud83d\ude00' }, [user('emoji')]);
      expect(texts(await store.load({ ...alice, conversationId: '\ufffd' }))).toEqual(['replacement']);
      expect(texts(await store.load({ ...alice, conversationId: '\ud83d\ude00' }))).toEqual(['emoji']);
    });
  });
}
