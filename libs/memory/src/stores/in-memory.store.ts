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
  /** Keep at most this many conversations, the least recently read or written dropped first; @default 10,000 */
  maxConversations?: number;
}

/** A process-local store must not grow with every conversation ever started (one per request, for some clients). */
const DEFAULT_MAX_CONVERSATIONS = 10_000;

/** Process-local store for development and tests; data is lost on restart and not shared across instances. */
export class InMemoryStore implements SearchableMemoryStore {
  readonly name = 'memory';
  // Keyed by the injective identity key; each record keeps its identity so reads can be re-checked.
  // In order of last use (a Map iterates in insertion order): the first entry is the one to drop.
  private readonly conversations = new Map<string, ConversationRecord>();
  private readonly maxConversations: number;

  constructor(private readonly options: InMemoryStoreOptions = {}) {
    this.maxConversations = options.maxConversations ?? DEFAULT_MAX_CONVERSATIONS;
    for (const k of ['maxMessages', 'ttlMs', 'maxConversations'] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new MemoryError('invalid_config', `InMemoryStore ${k} must be a positive integer`);
    }
  }

  /**
   * The live record under `key`, made the most recently used unless `touch` is false (a scan over
   * the map must not move entries behind itself); an idle one past its TTL is deleted on the way.
   */
  private live(key: string, touch = true): ConversationRecord | undefined {
    const record = this.conversations.get(key);
    if (!record) return undefined;
    if (record.expiresAt !== undefined && record.expiresAt <= (this.options.now ?? Date.now)()) {
      this.conversations.delete(key);
      return undefined;
    }
    if (touch) {
      this.conversations.delete(key);
      this.conversations.set(key, record);
    }
    return record;
  }

  /** Starts a conversation, dropping the least recently used one past maxConversations. */
  private start(key: string, identity: MemoryIdentity): ConversationRecord {
    const record: ConversationRecord = { identity, messages: [], embeddings: [], applied: new Set() };
    this.conversations.set(key, record);
    if (this.conversations.size > this.maxConversations) this.evict();
    return record;
  }

  /**
   * Drops the least recently used conversations, a sixteenth of the cap at a time: one walk from
   * the front of the map, instead of one per new conversation over the holes deletes leave there.
   */
  private evict(): void {
    const keep = this.maxConversations - Math.floor(this.maxConversations / 16);
    for (const key of this.conversations.keys()) {
      if (this.conversations.size <= keep) return;
      this.conversations.delete(key);
    }
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
    else record = this.start(key, id);
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
      const record = this.live(key, false);
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
