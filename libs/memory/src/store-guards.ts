import { sameIdentity, type MemoryIdentity } from './memory-identity.js';
import { CrossTenantAccessError, InvalidIdentityError, MemoryError } from './memory.errors.js';
import { DEFAULT_LOAD_LIMIT, type LoadOptions, type MemoryAuditSink, type MemoryMessage } from './memory-store.js';

// Checks every store runs at its boundary, so each adapter enforces the same rules the same way.

const ROLES = new Set(['user', 'assistant', 'tool']);

/** Refuses (error + audit event) a record whose stored identity is not the reader's. */
export function assertOwnedBy(stored: MemoryIdentity, reader: MemoryIdentity, store: string, audit?: MemoryAuditSink): void {
  if (sameIdentity(stored, reader)) return;
  audit?.({ type: 'memory.access_refused', store, requested: { tenant: reader.tenant, principal: reader.principal }, at: new Date().toISOString() });
  throw new CrossTenantAccessError();
}

export function resolveLimit(opts: LoadOptions | undefined): number {
  const limit = opts?.limit ?? DEFAULT_LOAD_LIMIT;
  if (!Number.isInteger(limit) || limit < 0) throw new MemoryError('invalid_limit', 'limit must be a non-negative integer');
  return limit;
}

export function validateMessages(messages: unknown): MemoryMessage[] {
  if (!Array.isArray(messages)) throw new MemoryError('invalid_message', 'messages must be an array');
  for (const m of messages) {
    if (typeof m !== 'object' || m === null || !ROLES.has((m as MemoryMessage).role) || typeof (m as MemoryMessage).content !== 'string') {
      throw new MemoryError('invalid_message', 'each message needs a role (user, assistant or tool) and string content');
    }
  }
  return messages as MemoryMessage[];
}

export function validateScopeField(field: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || value.length === 0) throw new InvalidIdentityError(field, 'must be a non-empty string');
}
