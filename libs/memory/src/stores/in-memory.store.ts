import { encodeIdentityKey, encodeScopePrefix } from '../identity-key.js';
import { validateIdentity, type MemoryIdentity } from '../memory-identity.js';
import type { AppendOptions, LoadOptions, MemoryAuditSink, MemoryMessage, SearchableMemoryStore, SearchHit, SearchOptions } from '../memory-store.js';
import { assertOwnedBy, cosine, resolveIdempotencyKey, resolveLimit, resolveSearch, validateEmbeddings, validateMessages, validateScopeField } from '../store-guards.js';

interface ConversationRecord {
  identity: MemoryIdentity;
  messages: MemoryMessage[];
  embeddings: Array<number[] | undefined>;
  applied: Set<string>;
}

export interface InMemoryStoreOptions {
  /** Receives an event whenever a read is refused for belonging to another identity. */
  onAudit?: MemoryAuditSink;
}

/** Process-local store for development and tests; data is lost on restart and not shared across instances. */
export class InMemoryStore implements SearchableMemoryStore {
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

  async append(identity: MemoryIdentity, messages: MemoryMessage[], opts?: AppendOptions): Promise<void> {
    const id = validateIdentity(identity);
    const batch = structuredClone(validateMessages(messages));
    const embeddings = structuredClone(validateEmbeddings(batch, opts));
    const once = resolveIdempotencyKey(opts);
    const key = encodeIdentityKey(id);
    let record = this.conversations.get(key);
    if (record) assertOwnedBy(record.identity, id, this.name, this.options.onAudit);
    else this.conversations.set(key, (record = { identity: id, messages: [], embeddings: [], applied: new Set() }));
    if (once !== undefined) {
      if (record.applied.has(once)) return;
      record.applied.add(once);
    }
    record.messages.push(...batch);
    record.embeddings.push(...embeddings);
  }

  async search(identity: MemoryIdentity, vector: number[], opts?: SearchOptions): Promise<SearchHit[]> {
    const id = validateIdentity(identity);
    const { k, minScore } = resolveSearch(vector, opts);
    const prefix = encodeScopePrefix(id.tenant, { value: id.principal });
    const hits: SearchHit[] = [];
    for (const [key, record] of this.conversations) {
      if (!key.startsWith(prefix)) continue;
      assertOwnedBy({ ...record.identity, conversationId: id.conversationId }, id, this.name, this.options.onAudit);
      record.embeddings.forEach((e, i) => {
        const score = e ? cosine(e, vector) : -Infinity;
        if (score >= minScore) hits.push({ conversationId: record.identity.conversationId, message: structuredClone(record.messages[i]), score });
      });
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
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
