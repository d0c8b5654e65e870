import type { PgPool as Pool, PgPoolClient as PoolClient } from './postgres.client.js';
import { encodeIdentityKey, encodeOptionalField as col } from '../identity-key.js';
import { loadDriver } from '../load-peer.js';
import { validateIdentity, type MemoryIdentity } from '../memory-identity.js';
import { DEFAULT_MAX_IDEMPOTENCY_KEYS, type AppendOptions, type LoadOptions, type MemoryAuditSink, type MemoryMessage, type SearchableMemoryStore, type SearchHit, type SearchOptions } from '../memory-store.js';
import { MemoryError } from '../memory.errors.js';
import { assertOwnedBy, resolveIdempotencyKey, resolveLimit, resolveOffset, resolveSearch, validateEmbeddings, validateMessages, validateScopeField } from '../store-guards.js';
import { migrate } from './postgres.migrations.js';

/** Settings for {@link PostgresStore} over a pool you own; {@link PostgresStore.fromUrl} builds its own pool instead. */
export interface PostgresStoreOptions {
  /** A pg Pool (shared with the app; not ended by the store). */
  pool: Pool;
  /** Receives an event whenever a read is refused for belonging to another identity. */
  onAudit?: MemoryAuditSink;
  /** Keep at most this many messages per conversation (oldest deleted at each append); @default unlimited */
  maxMessages?: number;
  /** Messages older than this are neither loaded nor kept (deleted at the conversation's next append); @default never */
  ttlMs?: number;
  /** Keep at most this many append idempotency keys per conversation (oldest deleted at each keyed append); @default 1,000 (DEFAULT_MAX_IDEMPOTENCY_KEYS) */
  maxIdempotencyKeys?: number;
}

// Optional ids are stored with encodeOptionalField ('~' absent, '=' + value), so '' and absent differ.
const uncol = (v: string) => (v === '~' ? undefined : v.slice(1));

interface Row {
  tenant_id: string;
  principal_id: string;
  conversation_id: string;
  message: string;
}

/** Conversations in PostgreSQL: scoped by tenant_id in every query and by row-level security. */
export class PostgresStore implements SearchableMemoryStore {
  readonly name = 'postgres';
  private readonly pool: Pool;
  private owned = false;

  constructor(private readonly options: PostgresStoreOptions) {
    this.pool = options.pool;
    for (const k of ['maxMessages', 'ttlMs', 'maxIdempotencyKeys'] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new MemoryError('invalid_config', `PostgresStore ${k} must be a positive integer`);
    }
  }

  /** A store with its own pool (ended by `close()`); pg is loaded on demand. Runs migrations when asked. */
  static async fromUrl(url: string, opts: { migrate?: boolean; onAudit?: MemoryAuditSink; max?: number; maxMessages?: number; ttlMs?: number; maxIdempotencyKeys?: number } = {}): Promise<PostgresStore> {
    const pg = await loadDriver<{ default: { Pool: new (o: object) => Pool } }>('pg', 'PostgresStore');
    const pool = new pg.default.Pool({ connectionString: url, max: opts.max ?? 10 });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    const store = new PostgresStore({ pool, onAudit: opts.onAudit, maxMessages: opts.maxMessages, ttlMs: opts.ttlMs, maxIdempotencyKeys: opts.maxIdempotencyKeys });
    store.owned = true;
    if (opts.migrate) await store.migrate();
    return store;
  }

  /** Creates or upgrades the schema; safe to run from several instances at once. */
  async migrate(): Promise<number[]> {
    const client = await this.pool.connect();
    try {
      return await migrate(client);
    } finally {
      client.release();
    }
  }

  /** Runs `work` in a transaction whose RLS tenant is `tenantId`. */
  private async asTenant<T>(tenantId: string, work: (c: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('agentnest.tenant', $1, true)`, [tenantId]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  private own(row: Row, reader: MemoryIdentity): MemoryMessage {
    const stored: MemoryIdentity = { conversationId: row.conversation_id };
    const tenant = uncol(row.tenant_id);
    const principal = uncol(row.principal_id);
    if (tenant !== undefined) stored.tenant = tenant;
    if (principal !== undefined) stored.principal = principal;
    assertOwnedBy(stored, reader, this.name, this.options.onAudit);
    return JSON.parse(row.message) as MemoryMessage;
  }

  async load(identity: MemoryIdentity, opts?: LoadOptions): Promise<MemoryMessage[]> {
    const id = validateIdentity(identity);
    const limit = resolveLimit(opts);
    const offset = resolveOffset(opts);
    if (limit === 0) return [];
    const t = col(id.tenant);
    // Newest-first on the primary key, then reversed: the window costs O(limit) whatever the history.
    const { rows } = await this.asTenant(t, (c) =>
      c.query<Row>(
        `SELECT tenant_id, principal_id, conversation_id, message FROM (
           SELECT tenant_id, principal_id, conversation_id, message, seq FROM agentnest_messages
           WHERE tenant_id = $1 AND principal_id = $2 AND conversation_id = $3
             AND ($6::bigint IS NULL OR created_at > now() - $6::bigint * interval '1 millisecond')
           ORDER BY seq DESC LIMIT $4 OFFSET $5) w
         ORDER BY seq`,
        [t, col(id.principal), id.conversationId, limit, offset, this.options.ttlMs ?? null],
      ),
    );
    return rows.map((r) => this.own(r, id));
  }

  async append(identity: MemoryIdentity, messages: MemoryMessage[], opts?: AppendOptions): Promise<void> {
    const id = validateIdentity(identity);
    const batch = validateMessages(messages);
    const embeddings = validateEmbeddings(batch, opts);
    const once = resolveIdempotencyKey(opts);
    if (batch.length === 0) return;
    const t = col(id.tenant);
    const p = col(id.principal);
    await this.asTenant(t, async (c) => {
      // Serialise appends to one conversation so each batch gets contiguous sequence numbers.
      await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [encodeIdentityKey(id)]);
      if (once !== undefined) {
        // clock_timestamp(), not now() (the transaction's start): taken under the lock, it orders the
        // conversation's keys as they were applied, which the cap below relies on.
        const marked = await c.query(
          `INSERT INTO agentnest_appends (tenant_id, principal_id, conversation_id, idempotency_key, applied_at) VALUES ($1, $2, $3, $4, clock_timestamp()) ON CONFLICT DO NOTHING`,
          [t, p, id.conversationId, once],
        );
        if (marked.rowCount === 0) return;
      }
      await c.query(
        `INSERT INTO agentnest_messages (tenant_id, principal_id, conversation_id, message, embedding, embedding_norm)
         SELECT $1, $2, $3, u.m, CASE WHEN u.e IS NULL THEN NULL ELSE ('{' || btrim(u.e, '[]') || '}')::real[] END, u.n
         FROM unnest($4::text[], $5::text[], $6::real[]) WITH ORDINALITY AS u(m, e, n, i)
         ORDER BY u.i`,
        [t, p, id.conversationId, batch.map((m) => JSON.stringify(m)), embeddings.map((v) => (v ? JSON.stringify(v) : null)), embeddings.map((v) => (v ? Math.hypot(...v) : null))],
      );
      const { maxMessages, ttlMs, maxIdempotencyKeys } = this.options;
      // Caps are applied where the conversation grows, under the same lock: expired, then beyond the
      // newest maxMessages, and idempotency keys beyond the newest maxIdempotencyKeys.
      if (once !== undefined) {
        await c.query(
          `DELETE FROM agentnest_appends WHERE tenant_id = $1 AND principal_id = $2 AND conversation_id = $3 AND (applied_at, idempotency_key) <= (
             SELECT applied_at, idempotency_key FROM agentnest_appends WHERE tenant_id = $1 AND principal_id = $2 AND conversation_id = $3
             ORDER BY applied_at DESC, idempotency_key DESC OFFSET $4 LIMIT 1)`,
          [t, p, id.conversationId, maxIdempotencyKeys ?? DEFAULT_MAX_IDEMPOTENCY_KEYS],
        );
      }
      if (ttlMs !== undefined) {
        await c.query(`DELETE FROM agentnest_messages WHERE tenant_id = $1 AND principal_id = $2 AND conversation_id = $3 AND created_at <= now() - $4::bigint * interval '1 millisecond'`, [t, p, id.conversationId, ttlMs]);
      }
      if (maxMessages !== undefined) {
        await c.query(
          `DELETE FROM agentnest_messages WHERE tenant_id = $1 AND principal_id = $2 AND conversation_id = $3 AND seq <= (
             SELECT seq FROM agentnest_messages WHERE tenant_id = $1 AND principal_id = $2 AND conversation_id = $3 ORDER BY seq DESC OFFSET $4 LIMIT 1)`,
          [t, p, id.conversationId, maxMessages],
        );
      }
    });
  }

  async search(identity: MemoryIdentity, vector: number[], opts?: SearchOptions): Promise<SearchHit[]> {
    const id = validateIdentity(identity);
    const { k, minScore } = resolveSearch(vector, opts);
    const norm = Math.hypot(...vector);
    const t = col(id.tenant);
    // Cosine similarity in plain SQL (no pgvector here): dot product over unnest, norms stored at write.
    const { rows } = await this.asTenant(t, (c) =>
      c.query<Row & { score: number }>(
        `SELECT * FROM (
           SELECT tenant_id, principal_id, conversation_id, message,
             (SELECT sum(a * b) FROM unnest(embedding, $3::real[]) AS u(a, b)) / NULLIF(embedding_norm * $4, 0) AS score
           FROM agentnest_messages
           WHERE tenant_id = $1 AND principal_id = $2 AND embedding IS NOT NULL AND cardinality(embedding) = $6) s
         WHERE score >= $5 ORDER BY score DESC LIMIT $7`,
        [t, col(id.principal), vector, norm, minScore, vector.length, k],
      ),
    );
    return rows.map((r) => ({ conversationId: r.conversation_id, message: this.own(r, { ...id, conversationId: r.conversation_id }), score: Number(r.score) }));
  }

  async clear(identity: MemoryIdentity): Promise<void> {
    const id = validateIdentity(identity);
    const t = col(id.tenant);
    await this.asTenant(t, async (c) => {
      const args = [t, col(id.principal), id.conversationId];
      await c.query('DELETE FROM agentnest_messages WHERE tenant_id = $1 AND principal_id = $2 AND conversation_id = $3', args);
      await c.query('DELETE FROM agentnest_appends WHERE tenant_id = $1 AND principal_id = $2 AND conversation_id = $3', args);
    });
  }

  async forgetTenant(tenant: string): Promise<number> {
    validateScopeField('tenant', tenant, true);
    return this.forget(col(tenant));
  }

  async forgetPrincipal(scope: { tenant?: string; principal: string }): Promise<number> {
    validateScopeField('tenant', scope.tenant, false);
    validateScopeField('principal', scope.principal, true);
    return this.forget(col(scope.tenant), col(scope.principal));
  }

  private async forget(t: string, p?: string): Promise<number> {
    const { rows } = await this.asTenant(t, async (c) => {
      await c.query('DELETE FROM agentnest_appends WHERE tenant_id = $1 AND ($2::text IS NULL OR principal_id = $2)', [t, p ?? null]);
      return c.query<{ n: string }>(
        `WITH d AS (DELETE FROM agentnest_messages WHERE tenant_id = $1 AND ($2::text IS NULL OR principal_id = $2) RETURNING principal_id, conversation_id)
         SELECT count(DISTINCT (principal_id, conversation_id)) AS n FROM d`,
        [t, p ?? null],
      );
    });
    return Number(rows[0].n);
  }

  /** Ends the pool if the store created it (fromUrl). */
  async close(): Promise<void> {
    if (this.owned) await this.pool.end();
  }
}
