import { encodeIdentityKey, encodeScopePrefix } from '../identity-key.js';
import { validateIdentity, type MemoryIdentity } from '../memory-identity.js';
import type { LoadOptions, MemoryAuditSink, MemoryMessage, MemoryStore } from '../memory-store.js';
import { assertOwnedBy, resolveLimit, validateMessages, validateScopeField } from '../store-guards.js';

interface ConversationRecord {
  identity: MemoryIdentity;
  messages: MemoryMessage[];
}

export interface InMemoryStoreOptions {
  /** Receives an event whenever a read is refused for belonging to another identity. */
  onAudit?: MemoryAuditSink;
}

/** Process-local store for development and tests; data is lost on restart and not shared across instances. */
export class InMemoryStore implements MemoryStore {
  readonly name = 'memory';
  // Keyed by the injective identity key; each record keeps its identity so reads can be re-checked.
  private readonly conversations = new Map<string, ConversationRecord>();

  constructor(private readonly options: InMemoryStoreOptions = {}) {}

  async load(identity: MemoryIdentity, opts?: LoadOptions): Promise<MemoryMessage[]> {
    const id = validateIdentity(identity);
    const limit = resolveLimit(opts);
    const record = this.conversations.get(encodeIdentityKey(id));
    if (!record || limit === 0) return [];
    assertOwnedBy(record.identity, id, this.name, this.options.onAudit);
    return structuredClone(record.messages.slice(-limit));
  }

  async append(identity: MemoryIdentity, messages: MemoryMessage[]): Promise<void> {
    const id = validateIdentity(identity);
    const batch = structuredClone(validateMessages(messages));
    const key = encodeIdentityKey(id);
    const record = this.conversations.get(key);
    if (record) {
      assertOwnedBy(record.identity, id, this.name, this.options.onAudit);
      record.messages.push(...batch);
    } else this.conversations.set(key, { identity: id, messages: batch });
  }

  async clear(identity: MemoryIdentity): Promise<void> {
    this.conversations.delete(encodeIdentityKey(validateIdentity(identity)));
  }

  async forgetTenant(tenant: string): Promise<number> {
    validateScopeField('tenant', tenant, true);
    return this.deletePrefix(encodeScopePrefix(tenant));
  }

  async forgetPrincipal(scope: { tenant?: string; principal: string }): Promise<number> {
    validateScopeField('tenant', scope.tenant, false);
    validateScopeField('principal', scope.principal, true);
    return this.deletePrefix(encodeScopePrefix(scope.tenant, { value: scope.principal }));
  }

  private deletePrefix(prefix: string): number {
    let removed = 0;
    for (const key of this.conversations.keys()) {
      if (key.startsWith(prefix)) {
        this.conversations.delete(key);
        removed++;
      }
    }
    return removed;
  }
}
