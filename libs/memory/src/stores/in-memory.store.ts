import { encodeIdentityKey, encodeScopePrefix } from '../identity-key.js';
import { validateIdentity, type MemoryIdentity } from '../memory-identity.js';
import { MemoryError } from '../memory.errors.js';
import { DEFAULT_MAX_IDEMPOTENCY_KEYS, type AppendOptions, type LoadOptions, type MemoryAuditSink, type MemoryMessage, type SearchableMemoryStore, type SearchHit, type SearchOptions } from '../memory-store.js';
import { copyMessage } from './copy-message.js';
import { assertOwnedBy, cosine, resolveIdempotencyKey, pageOf, resolveLimit, resolveOffset, resolveSearch, validateEmbeddings, validateMessages, validateScopeField } from '../store-guards.js';

interface ConversationRecord {
  identity: MemoryIdentity;
  messages: MemoryMessage[];
  embeddings: Array<number[] | undefined>;
  /** Idempotency keys of applied appends, oldest first (a Set iterates in insertion order). */
  applied: Set<string>;
  /** When an idle conversation expires (ms), with ttlMs. */
  expiresAt?: number;
}

/** Settings for {@link InMemoryStore}; every bound is optional. */
export interface InMemoryStoreOptions {
  /** Receives an event whenever a read is refused for belonging to another identity. */
  onAudit?: MemoryAuditSink;
  /** Keep at most this many messages per conversation (oldest dropped); @default unlimited */
  maxMessages?: number;
  /** A conversation not appended to for this long is gone; @default never */
  ttlMs?: number;
  /** Keep at most this many append idempotency keys per conversation (oldest dropped); @default 1,000 (DEFAULT_MAX_IDEMPOTENCY_KEYS) */
  maxIdempotencyKeys?: number;
  /** The clock for ttlMs (tests); @default Date.now */
  now?: () => number;
  /**
   * Keep at most this many conversations in all; past it, the tenant holding the most loses its least
   * recently read or written ones, so one tenant starting conversations cannot push out another's;
   * @default 10,000
   */
  maxConversations?: number;
}

/** A process-local store must not grow with every conversation ever started (one per request, for some clients). */
const DEFAULT_MAX_CONVERSATIONS = 10_000;

/** Process-local store for development and tests; data is lost on restart and not shared across instances. */
export class InMemoryStore implements SearchableMemoryStore {
  readonly name = 'memory';
  // Per tenant (by its key prefix), keyed by the injective identity key; each record keeps its
  // identity so reads can be re-checked. Each tenant's map is in order of last use (a Map iterates
  // in insertion order): its first entry is the one to drop.
  private readonly tenants = new Map<string, Map<string, ConversationRecord>>();
  private total = 0;
  private readonly maxConversations: number;
  private readonly maxIdempotencyKeys: number;

  constructor(private readonly options: InMemoryStoreOptions = {}) {
    this.maxConversations = options.maxConversations ?? DEFAULT_MAX_CONVERSATIONS;
    this.maxIdempotencyKeys = options.maxIdempotencyKeys ?? DEFAULT_MAX_IDEMPOTENCY_KEYS;
    for (const k of ['maxMessages', 'ttlMs', 'maxConversations', 'maxIdempotencyKeys'] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new MemoryError('invalid_config', `InMemoryStore ${k} must be a positive integer`);
    }
  }

  /**
   * The live record under `key` in the map of the tenant with key prefix `tenant`, made its most
   * recently used unless `touch` is false (a scan over the map must not move entries behind
   * itself); an idle one past its TTL is deleted on the way.
   */
  private live(tenant: string, key: string, touch = true): ConversationRecord | undefined {
    const space = this.tenants.get(tenant);
    const record = space?.get(key);
    if (!space || !record) return undefined;
    if (record.expiresAt !== undefined && record.expiresAt <= (this.options.now ?? Date.now)()) {
      this.drop(tenant, key);
      return undefined;
    }
    if (touch) {
      space.delete(key);
      space.set(key, record);
    }
    return record;
  }

  private drop(tenant: string, key: string): boolean {
    const space = this.tenants.get(tenant);
    if (!space?.delete(key)) return false;
    this.total--;
    if (space.size === 0) this.tenants.delete(tenant);
    return true;
  }

  /** Starts a conversation; past maxConversations, room is made. */
  private start(tenant: string, key: string, identity: MemoryIdentity): ConversationRecord {
    let space = this.tenants.get(tenant);
    if (!space) this.tenants.set(tenant, (space = new Map()));
    const record: ConversationRecord = { identity, messages: [], embeddings: [], applied: new Set() };
    space.set(key, record);
    if (++this.total > this.maxConversations) this.evict();
    return record;
  }

  /**
   * Drops least recently used conversations of whichever tenant holds the most, down to a sixteenth
   * under the cap: one walk per tenant and batch, instead of one per new conversation over the holes
   * deletes leave at the front of a map.
   */
  private evict(): void {
    const keep = this.maxConversations - Math.floor(this.maxConversations / 16);
    while (this.total > keep) {
      let largest: [string, Map<string, ConversationRecord>] | undefined;
      let second = 0;
      for (const entry of this.tenants) {
        if (!largest || entry[1].size > largest[1].size) {
          second = largest?.[1].size ?? 0;
          largest = entry;
        } else second = Math.max(second, entry[1].size);
      }
      const [tenant, space] = largest!;
      // Down to the next largest tenant's size, or a sixteenth of its own once they are level (so a
      // batch over many level tenants is not one conversation per pass).
      let take = Math.min(this.total - keep, Math.max(space.size - second, Math.ceil(space.size / 16)));
      for (const key of space.keys()) {
        if (take-- === 0) break;
        this.drop(tenant, key);
      }
    }
  }

  async load(identity: MemoryIdentity, opts?: LoadOptions): Promise<MemoryMessage[]> {
    const id = validateIdentity(identity);
    const limit = resolveLimit(opts);
    const offset = resolveOffset(opts);
    const record = this.live(encodeScopePrefix(id.tenant), encodeIdentityKey(id));
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
    const tenant = encodeScopePrefix(id.tenant);
    let record = this.live(tenant, key);
    if (record) assertOwnedBy(record.identity, id, this.name, this.options.onAudit);
    else record = this.start(tenant, key, id);
    if (once !== undefined) {
      if (record.applied.has(once)) return;
      record.applied.add(once);
      // One key in, at most one out: the first in iteration order is the oldest.
      if (record.applied.size > this.maxIdempotencyKeys) record.applied.delete(record.applied.values().next().value!);
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
    const tenant = encodeScopePrefix(id.tenant);
    const prefix = encodeScopePrefix(id.tenant, { value: id.principal });
    const hits: SearchHit[] = [];
    // A copy of the keys: a conversation found expired is deleted on the way.
    for (const key of [...(this.tenants.get(tenant)?.keys() ?? [])]) {
      if (!key.startsWith(prefix)) continue;
      const record = this.live(tenant, key, false);
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
    const id = validateIdentity(identity);
    this.drop(encodeScopePrefix(id.tenant), encodeIdentityKey(id));
  }

  async forgetTenant(tenant: string): Promise<number> {
    validateScopeField('tenant', tenant, true);
    // Every conversation of the tenant is in its own map: the map goes whole.
    const scope = encodeScopePrefix(tenant);
    const removed = this.tenants.get(scope)?.size ?? 0;
    this.tenants.delete(scope);
    this.total -= removed;
    return removed;
  }

  async forgetPrincipal(scope: { tenant?: string; principal: string }): Promise<number> {
    validateScopeField('tenant', scope.tenant, false);
    validateScopeField('principal', scope.principal, true);
    const tenant = encodeScopePrefix(scope.tenant);
    const prefix = encodeScopePrefix(scope.tenant, { value: scope.principal });
    let removed = 0;
    for (const key of [...(this.tenants.get(tenant)?.keys() ?? [])]) if (key.startsWith(prefix) && this.drop(tenant, key)) removed++;
    return removed;
  }
}
