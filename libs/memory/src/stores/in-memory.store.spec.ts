import { describe, expect, it } from '@jest/globals';
import { describeMemoryStore } from '../testing/describe-memory-store.js';
import { describeMemoryStoreProperties } from '../testing/describe-memory-store-properties.js';
import { InMemoryStore } from './in-memory.store.js';
import { CrossTenantAccessError } from '../memory.errors.js';
import { encodeIdentityKey } from '../identity-key.js';
import type { MemoryAuditEvent } from '../memory-store.js';

describeMemoryStore('InMemoryStore', { create: () => new InMemoryStore() });

describeMemoryStoreProperties('InMemoryStore', { create: () => new InMemoryStore() });

describe('InMemoryStore record ownership', () => {
  it('refuses and audits a record whose stored identity differs from the reader', async () => {
    const audit: MemoryAuditEvent[] = [];
    const store = new InMemoryStore({ onAudit: (e) => audit.push(e) });
    await store.append({ tenant: 'globex', conversationId: 'c' }, [{ role: 'user', content: 'secret of globex' }]);
    // Simulate a corrupted index: globex's record filed under acme's key.
    const internal = (store as unknown as { conversations: Map<string, unknown> }).conversations;
    internal.set(encodeIdentityKey({ tenant: 'acme', conversationId: 'c' }), internal.get(encodeIdentityKey({ tenant: 'globex', conversationId: 'c' })));
    const err = await store.load({ tenant: 'acme', conversationId: 'c' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrossTenantAccessError);
    expect(String((err as Error).message)).not.toContain('secret');
    expect(audit).toEqual([expect.objectContaining({ type: 'memory.access_refused', store: 'memory', requested: { tenant: 'acme', principal: undefined } })]);
  });
});
