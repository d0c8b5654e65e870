import { encodeIdentityKey, encodeScopePrefix } from '../identity-key.js';
import { validateIdentity, type MemoryIdentity } from '../memory-identity.js';
import { MemoryError } from '../memory.errors.js';
import type { AppendOptions, LoadOptions, MemoryAuditSink, MemoryMessage, SearchableMemoryStore, SearchHit, SearchOptions } from '../memory-store.js';
import { copyMessage } from './copy-message.js';
import { assertOwnedBy, cosine, resolveIdempotencyKey, pageOf, resolveLimit, resolveOffset, resolveSearch, validateEmbeddings, validateMessages, validateScopeField } from '../store-guards.js';

interface ConversationRecord {
  identity: MemoryIdentity;
  messages: MemoryMessage[];
  embeddings: Array<number[] | undefined>;
  applied: Set<string>;
  /** When an idle conversation expires (ms), with ttlMs. */
  expiresAt?: number;
}

export interface InMemoryStoreOptions {
  /** Receives an event whenever a read is refused for belonging to another identity. */
  onAudit?: MemoryAuditSink;
  /** Keep at most this many messages per conversation (oldest dropped); @default unlimited */
  maxMessages?: number;
  /** A conversation not appended to for this long is gone; @default never */
  ttlMs?: number;
  /** The clock for ttlMs (tests); @default Date.now */
  now?: () => number;
}

/** Process-local store for development and tests; data is lost on restart and not shared across instances. */
export class InMemoryStore implements SearchableMemoryStore {
  readonly name = 'memory';
  // Keyed by the injective identity key; each record keeps its identity so reads can be re-checked.
  private readonly conversations = new Map<string, ConversationRecord>();

  constructor(private readonly options: InMemoryStoreOptions = {}) {
    for (const k of ['maxMessages', 'ttlMs'] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new MemoryError('invalid_config', `InMemoryStore ${k} must be a positive integer`);
    }
  }

  /** The live record under `key`; an idle one past its TTL is deleted on the way. */
  private live(key: string): ConversationRecord | undefined {
    const record = this.conversations.get(key);
    if (record?.expiresAt !== undefined && record.expiresAt <= (this.options.now ?? Date.now)()) {
      this.conversations.delete(key);
      return undefined;
    }
    return record;
  }

  async load(identity: MemoryIdentity, opts?: LoadOptions): Promise<MemoryMessage[]> {
    const id = validateIdentity(identity);
    const limit = resolveLimit(opts);
    const offset = resolveOffset(opts);
    const record = this.live(encodeIdentityKey(id));
    if (!record || limit === 0) return [];
    assertOwnedBy(record.identity, id, this.name, this.options.onAudit);
    return copyMessage(pageOf(record.messages, limit, offset));
  }

  async append(identity: MemoryIdentity, messages: MemoryMessage[], opts?: AppendOptions): Promise<void> {
    const id = validateIdentity(identity);
    const batch = copyMessage(validateMessages(messages));
    const embeddings = copyMessage(validateEmbeddings(batch, opts));
    const once = resolveIdempotencyKey(opts);
    const key = encodeIdentityKey(id);
    let record = this.live(key);
    if (record) assertOwnedBy(record.identity, id, this.name, this.options.onAudit);
    else this.conversations.set(key, (record = { identity: id, messages: [], embeddings: [], applied: new Set() }));
    if (once !== undefined) {
      if (record.applied.has(once)) return;
      record.applied.add(once);
    }
    record.messages.push(...batch);
    record.embeddings.push(...embeddings);
    const { maxMessages, ttlMs } = this.options;
    if (maxMessages !== undefined && record.messages.length > maxMessages) {
      const drop = record.messages.length - maxMessages;
      record.messages.splice(0, drop);
      record.embeddings.splice(0, drop);
    }
    if (ttlMs !== undefined) record.expiresAt = (this.options.now ?? Date.now)() + ttlMs;
  }

  async search(identity: MemoryIdentity, vector: number[], opts?: SearchOptions): Promise<SearchHit[]> {
    const id = validateIdentity(identity);
    const { k, minScore } = resolveSearch(vector, opts);
    const prefix = encodeScopePrefix(id.tenant, { value: id.principal });
    const hits: SearchHit[] = [];
    for (const [key] of this.conversations) {
      if (!key.startsWith(prefix)) continue;
      const record = this.live(key);
      if (!record) continue;
      assertOwnedBy({ ...record.identity, conversationId: id.conversationId }, id, this.name, this.options.onAudit);
      record.embeddings.forEach((e, i) => {
        const score = e ? cosine(e, vector) : -Infinity;
        if (score >= minScore) hits.push({ conversationId: record.identity.conversationId, message: copyMessage(record.messages[i]), score });
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
