import { describe, expect, it } from '@jest/globals';
import { CrossTenantAccessError } from './memory.errors.js';
import type { MemoryAuditEvent } from './memory-store.js';
import { assertOwnedBy } from './store-guards.js';

// Every store re-checks the identity a record was written with against the reader's before returning it
// (the stores' own specs show it where their storage can be corrupted from outside, as in Redis).
describe('assertOwnedBy', () => {
  it('refuses and audits a record whose stored identity differs from the reader, without its content', () => {
    const audit: MemoryAuditEvent[] = [];
    const err = (() => {
      try {
        assertOwnedBy({ tenant: 'globex', conversationId: 'c' }, { tenant: 'acme', conversationId: 'c' }, 'memory', (e) => audit.push(e));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CrossTenantAccessError);
    expect(audit).toEqual([expect.objectContaining({ type: 'memory.access_refused', store: 'memory', requested: { tenant: 'acme', principal: undefined } })]);
  });

  it('lets the owner read, whatever the order of its fields', () => {
    const audit: MemoryAuditEvent[] = [];
    expect(() => assertOwnedBy({ conversationId: 'c', principal: 'p', tenant: 't' }, { tenant: 't', principal: 'p', conversationId: 'c' }, 'memory', (e) => audit.push(e))).not.toThrow();
    expect(audit).toEqual([]);
  });
});
