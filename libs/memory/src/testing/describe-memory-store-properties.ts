import type * as FastCheck from 'fast-check';
import { encodeIdentityKey } from '../identity-key.js';
import type { MemoryIdentity } from '../memory-identity.js';
import type { MemoryMessage, MemoryStore } from '../memory-store.js';
import type { MemoryStoreHarness } from './describe-memory-store.js';
import { testRunner } from './test-runner.js';

// Hostile ids: separators, escapes, glob and hash-tag characters, empty, long, unicode, absent.
const TENANTS = [undefined, 'acme', 'acme:x', 'acme\\', '*', 'a?[b]', '{acme}', 'ü日本', 't'.repeat(256)];
const PRINCIPALS = [undefined, 'alice', 'alice:', '\\', '', '%3A', '💬'];
const CONVERSATIONS = ['c1', 'c:1', '_global', '*', '{c}'];

type Op =
  | { kind: 'append'; id: MemoryIdentity; count: number }
  | { kind: 'load'; id: MemoryIdentity; limit: number }
  | { kind: 'clear'; id: MemoryIdentity }
  | { kind: 'forgetPrincipal'; tenant: string | undefined; principal: string }
  | { kind: 'forgetTenant'; tenant: string };

// fast-check is the user's dev dependency, loaded when the property test runs.
function operations(fc: typeof FastCheck): FastCheck.Arbitrary<Op> {
  const identity = fc.record({ t: fc.constantFrom(...TENANTS), p: fc.constantFrom(...PRINCIPALS), c: fc.constantFrom(...CONVERSATIONS) }).map(({ t, p, c }) => {
    const id: MemoryIdentity = { conversationId: c };
    if (t !== undefined) id.tenant = t;
    if (p !== undefined) id.principal = p;
    return id;
  });
  return fc.oneof(
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('append' as const), id: identity, count: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('load' as const), id: identity, limit: fc.integer({ min: 1, max: 8 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), id: identity }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('forgetPrincipal' as const), tenant: fc.constantFrom(...TENANTS), principal: fc.constantFrom(...PRINCIPALS.filter((p): p is string => !!p)) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('forgetTenant' as const), tenant: fc.constantFrom(...TENANTS.filter((t): t is string => !!t)) }) },
  );
}

/**
 * Random interleaved operations by many identities against a reference model: every load must
 * equal the model's window, and no message written by one identity may ever reach another.
 * `runs` x `opsPerRun` operations in all (each run on an empty store).
 */
export function describeMemoryStoreProperties(name: string, harness: MemoryStoreHarness, { runs = 20, opsPerRun = 500, timeoutMs = 120_000 } = {}): void {
  const { describe, it, expect } = testRunner();
  describe(`MemoryStore properties: ${name}`, () => {
    it(`${runs * opsPerRun} random operations match the model, with zero cross-identity reads`, async () => {
      const fc = ((await import('fast-check')) as unknown as { default: typeof FastCheck }).default;
      const op = operations(fc);
      let executed = 0;
      let crossReads = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: opsPerRun, maxLength: opsPerRun }), async (ops) => {
          const store: MemoryStore = await harness.create();
          const model = new Map<string, { id: MemoryIdentity; messages: MemoryMessage[] }>();
          let n = 0;
          for (const o of ops) {
            executed++;
            if (o.kind === 'append') {
              const key = encodeIdentityKey(o.id);
              // Each message names its writer, so a leak is visible in whatever reads it.
              const batch = Array.from({ length: o.count }, (): MemoryMessage => ({ role: 'user', content: `${key}#${n++}` }));
              await store.append(o.id, batch);
              model.set(key, { id: o.id, messages: [...(model.get(key)?.messages ?? []), ...batch] });
            } else if (o.kind === 'load') {
              const key = encodeIdentityKey(o.id);
              const got = await store.load(o.id, { limit: o.limit });
              crossReads += got.filter((m) => !m.content.startsWith(`${key}#`)).length;
              expect(got).toEqual((model.get(key)?.messages ?? []).slice(-o.limit));
            } else if (o.kind === 'clear') {
              await store.clear(o.id);
              model.delete(encodeIdentityKey(o.id));
            } else {
              const hit = (id: MemoryIdentity) => id.tenant === o.tenant && (o.kind === 'forgetTenant' || id.principal === o.principal);
              const removed = o.kind === 'forgetTenant' ? await store.forgetTenant(o.tenant) : await store.forgetPrincipal({ tenant: o.tenant, principal: o.principal });
              const doomed = [...model].filter(([, v]) => hit(v.id)).map(([k]) => k);
              for (const k of doomed) model.delete(k);
              expect(removed).toBe(doomed.length);
            }
          }
        }),
        { numRuns: runs, endOnFailure: true },
      );
      expect(executed).toBeGreaterThanOrEqual(runs * opsPerRun);
      expect(crossReads).toBe(0);
    }, timeoutMs);
  });
}
