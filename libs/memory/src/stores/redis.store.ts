import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { decodeIdentityKey, encodeIdentityKey, encodeScopePrefix } from '../identity-key.js';
import { loadDriver } from '../load-peer.js';
import { validateIdentity, type MemoryIdentity } from '../memory-identity.js';
import { MemoryError } from '../memory.errors.js';
import { DEFAULT_MAX_IDEMPOTENCY_KEYS, type AppendOptions, type LoadOptions, type MemoryAuditSink, type MemoryMessage, type MemoryStore } from '../memory-store.js';
import { assertOwnedBy, resolveIdempotencyKey, resolveLimit, resolveOffset, validateMessages, validateScopeField } from '../store-guards.js';

/** Settings for {@link RedisStore}. */
export interface RedisStoreOptions {
  /** An ioredis client, or a Cluster client (shared with the app; not closed by the store). */
  redis: Redis | Cluster;
  /** Key prefix, so several deployments can share one Redis; @default 'agentnest:mem:' */
  prefix?: string;
  /** Expire a conversation this long after its last write; @default never */
  ttlMs?: number;
  /** Keep at most this many messages per conversation (oldest dropped); @default unlimited */
  maxMessages?: number;
  /** Keep at most this many append idempotency keys per conversation (oldest dropped); @default 1,000 (DEFAULT_MAX_IDEMPOTENCY_KEYS) */
  maxIdempotencyKeys?: number;
  /** Keys per SCAN step and per UNLINK batch when forgetting; @default 500 */
  scanCount?: number;
  /** Receives an event whenever a read is refused for belonging to another identity. */
  onAudit?: MemoryAuditSink;
}

// A stored element: the owner's identity travels with every message, so a read can prove ownership.
type Element = [tenant: string | null, principal: string | null, conversationId: string, message: MemoryMessage];

const TAG_LENGTH = 22;
// The applied idempotency keys sit beside the list. An encoded identity key never ends in an
// unescaped ':', so "<identity key>:applied" cannot be the key of another conversation.
const APPLIED = ':applied';

// KEYS: list, applied keys. ARGV: idempotency key, maxMessages (0 = none), ttlMs (0 = none), keys
// kept, elements...
// The applied keys are a sorted set scored by arrival (the newest score + 1), so the oldest beyond
// `keys kept` can be trimmed. A conversation written by an earlier version holds a plain set there,
// in no order: the script answers from it first, then turns it into the sorted set at score 0 (older
// than any key added since), keeping its TTL and at most `keys kept` of its members, picked at random
// as their age is unknown. ZADDs go 500 members at a time: unpack() is limited by Lua's C stack.
const APPEND_ONCE = `local applied, once, kept = KEYS[2], ARGV[1], tonumber(ARGV[4])
if redis.call('TYPE', applied).ok == 'set' then
  if redis.call('SISMEMBER', applied, once) == 1 then return 0 end
  local ttl = redis.call('PTTL', applied)
  local old = redis.call('SRANDMEMBER', applied, kept)
  redis.call('UNLINK', applied)
  for i = 1, #old, 500 do
    local batch = {}
    for j = i, math.min(i + 499, #old) do batch[#batch + 1] = 0 batch[#batch + 1] = old[j] end
    redis.call('ZADD', applied, unpack(batch))
  end
  if ttl > 0 then redis.call('PEXPIRE', applied, ttl) end
end
if redis.call('ZSCORE', applied, once) then return 0 end
local newest = redis.call('ZRANGE', applied, -1, -1, 'WITHSCORES')
redis.call('ZADD', applied, (tonumber(newest[2]) or 0) + 1, once)
redis.call('ZREMRANGEBYRANK', applied, 0, -kept - 1)
redis.call('RPUSH', KEYS[1], unpack(ARGV, 5))
if tonumber(ARGV[2]) > 0 then redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1) end
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return 1`;

type Scripted = (Redis | Cluster) & { agentnestAppendOnce(list: string, applied: string, ...args: Array<string | number>): Promise<number> };
const GLOB = /[*?[\]\\]/g;
const globEscape = (s: string) => s.replace(GLOB, (c) => `\\${c}`);

/**
 * Conversations in Redis lists, one key per conversation:
 * `<prefix>{<tag>}:<identity key>`, where the tag is a fixed-length hash of the identity key, so
 * each conversation stays in one cluster slot and a SCAN pattern can match the tag with `?`s
 * (never `*`, which could run past a `}` inside a hostile id).
 */
export class RedisStore implements MemoryStore {
  readonly name = 'redis';
  private readonly redis: Redis | Cluster;
  private readonly prefix: string;
  private readonly owned: boolean;

  constructor(
    private readonly options: RedisStoreOptions,
    owned = false,
  ) {
    this.redis = options.redis;
    if (!(this.redis as Scripted).agentnestAppendOnce) this.redis.defineCommand('agentnestAppendOnce', { numberOfKeys: 2, lua: APPEND_ONCE });
    this.prefix = options.prefix ?? 'agentnest:mem:';
    this.owned = owned;
    if (/[{}]/.test(this.prefix)) throw new MemoryError('invalid_config', 'RedisStore prefix must not contain { or }');
    if (options.ttlMs !== undefined && !(Number.isInteger(options.ttlMs) && options.ttlMs > 0)) throw new MemoryError('invalid_config', 'RedisStore ttlMs must be a positive integer');
    for (const k of ['maxMessages', 'maxIdempotencyKeys'] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new MemoryError('invalid_config', `RedisStore ${k} must be a positive integer`);
    }
  }

  /** A store with its own connection (closed by `close()`); ioredis is loaded on demand. */
  static async fromUrl(url: string, options: Omit<RedisStoreOptions, 'redis'> = {}): Promise<RedisStore> {
    const { Redis: Client } = await loadDriver<{ Redis: new (url: string, o?: object) => Redis }>('ioredis', 'RedisStore');
    return new RedisStore({ ...options, redis: new Client(url, { maxRetriesPerRequest: 1 }) }, true);
  }

  private keyOf(identity: MemoryIdentity): string {
    const idKey = encodeIdentityKey(identity);
    const tag = createHash('sha256').update(idKey).digest('base64url').slice(0, TAG_LENGTH);
    return `${this.prefix}{${tag}}:${idKey}`;
  }

  async load(identity: MemoryIdentity, opts?: LoadOptions): Promise<MemoryMessage[]> {
    const id = validateIdentity(identity);
    const limit = resolveLimit(opts);
    const offset = resolveOffset(opts);
    if (limit === 0) return [];
    // LRANGE from the tail walks only the window: O(limit + offset), whatever the history length.
    const raw = await this.redis.lrange(this.keyOf(id), -(offset + limit), -(offset + 1));
    return raw.map((json) => {
      const [tenant, principal, conversationId, message] = JSON.parse(json) as Element;
      const stored: MemoryIdentity = { conversationId };
      if (tenant !== null) stored.tenant = tenant;
      if (principal !== null) stored.principal = principal;
      assertOwnedBy(stored, id, this.name, this.options.onAudit);
      return message;
    });
  }

  async append(identity: MemoryIdentity, messages: MemoryMessage[], opts?: AppendOptions): Promise<void> {
    const id = validateIdentity(identity);
    const batch = validateMessages(messages);
    const once = resolveIdempotencyKey(opts);
    if (batch.length === 0) return;
    const key = this.keyOf(id);
    const elements = batch.map((m) => JSON.stringify([id.tenant ?? null, id.principal ?? null, id.conversationId, m] satisfies Element));
    if (once !== undefined) {
      // One script: the marker and the batch land together or not at all, still one round trip.
      const { maxMessages, ttlMs, maxIdempotencyKeys } = this.options;
      await (this.redis as Scripted).agentnestAppendOnce(key, key + APPLIED, once, maxMessages ?? 0, ttlMs ?? 0, maxIdempotencyKeys ?? DEFAULT_MAX_IDEMPOTENCY_KEYS, ...elements);
      return;
    }
    // One MULTI: the batch lands contiguously with its trim and expiry, in one round trip.
    const tx = this.redis.multi().rpush(key, ...elements);
    if (this.options.maxMessages) tx.ltrim(key, -this.options.maxMessages, -1);
    if (this.options.ttlMs) tx.pexpire(key, this.options.ttlMs);
    const results = await tx.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new MemoryError('store_error', 'append transaction was discarded');
  }

  async clear(identity: MemoryIdentity): Promise<void> {
    const key = this.keyOf(validateIdentity(identity));
    await this.redis.unlink(key, key + APPLIED);
  }

  async forgetTenant(tenant: string): Promise<number> {
    validateScopeField('tenant', tenant, true);
    return this.forgetMatching(encodeScopePrefix(tenant), (id) => id.tenant === tenant);
  }

  async forgetPrincipal(scope: { tenant?: string; principal: string }): Promise<number> {
    validateScopeField('tenant', scope.tenant, false);
    validateScopeField('principal', scope.principal, true);
    return this.forgetMatching(encodeScopePrefix(scope.tenant, { value: scope.principal }), (id) => id.tenant === scope.tenant && id.principal === scope.principal);
  }

  /**
   * SCAN (never KEYS) for the scope's keys, re-check each decoded identity, UNLINK in batches. On a
   * cluster every master is scanned (a SCAN sees one node's keys) and keys are unlinked one by one
   * on the node that holds them (one UNLINK of keys in different slots is refused).
   */
  private async forgetMatching(scopePrefix: string, belongs: (id: MemoryIdentity) => boolean): Promise<number> {
    const pattern = `${globEscape(this.prefix)}{${'?'.repeat(TAG_LENGTH)}}:${globEscape(scopePrefix)}*`;
    const count = this.options.scanCount ?? 500;
    const head = this.prefix.length + TAG_LENGTH + 3;
    const cluster = this.redis.isCluster;
    const nodes = cluster ? (this.redis as Cluster).nodes('master') : [this.redis as Redis];
    let removed = 0;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
        cursor = next;
        const mine = keys.filter((k) => {
          try {
            return belongs(decodeIdentityKey(k.endsWith(APPLIED) ? k.slice(head, -APPLIED.length) : k.slice(head)));
          } catch {
            return false;
          }
        });
        if (!mine.length) continue;
        if (cluster) {
          const batch = node.pipeline();
          for (const k of mine) batch.unlink(k);
          await batch.exec();
        } else await node.unlink(...mine);
        removed += mine.filter((k) => !k.endsWith(APPLIED)).length;
      } while (cursor !== '0');
    }
    return removed;
  }

  /** Closes the connection if the store opened it (fromUrl). */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit();
  }
}
