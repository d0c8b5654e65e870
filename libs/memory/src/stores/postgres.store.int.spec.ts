import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { describeMemoryStore } from '../testing/describe-memory-store.js';
import { describeMemoryStoreProperties } from '../testing/describe-memory-store-properties.js';
import { PostgresStore } from './postgres.store.js';
import { DEFAULT_MAX_IDEMPOTENCY_KEYS, type MemoryMessage } from '../memory-store.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
const store = new PostgresStore({ pool });
beforeAll(async () => {
  await store.migrate();
});
afterAll(() => pool.end());

// Each conformance case and property run starts from an empty table.
const emptied = {
  create: async () => {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_ADMIN_URL });
    await admin.connect();
    await admin.query('TRUNCATE agentnest_messages, agentnest_appends');
    await admin.end();
    return store;
  },
};
describeMemoryStore('PostgresStore', emptied);
describeMemoryStoreProperties('PostgresStore', emptied);

describe('PostgresStore specifics', () => {
  const alice = { tenant: 'pg-acme', principal: 'alice', conversationId: 'c1' };
  const msg = (content: string): MemoryMessage => ({ role: 'user', content });

  it('keeps at most maxMessages per conversation, and neither loads nor keeps messages older than ttlMs', async () => {
    const capped = new PostgresStore({ pool, maxMessages: 3, ttlMs: 60_000 });
    const id = { ...alice, conversationId: 'capped' };
    await capped.append(id, ['1', '2'].map(msg));
    await capped.append(id, ['3', '4'].map(msg));
    expect((await capped.load(id)).map((m) => m.content)).toEqual(['2', '3', '4']);
    // Age two messages past the TTL: they stop loading at once and are deleted at the next append.
    const admin = new pg.Client({ connectionString: process.env.DATABASE_ADMIN_URL });
    await admin.connect();
    await admin.query(`UPDATE agentnest_messages SET created_at = now() - interval '2 minutes' WHERE conversation_id = 'capped' AND message LIKE '%"content":"2"%' OR (conversation_id = 'capped' AND message LIKE '%"content":"3"%')`);
    expect((await capped.load(id)).map((m) => m.content)).toEqual(['4']);
    await capped.append(id, [msg('5')]);
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM agentnest_messages WHERE conversation_id = 'capped'`);
    await admin.end();
    expect(rows[0].n).toBe(2);
    expect((await store.load(id)).map((m) => m.content)).toEqual(['4', '5']);
  });

  it('migrates idempotently, also when instances race', async () => {
    const results = await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
    expect(results.flat()).toEqual([]);
    const { rows } = await pool.query('SELECT version FROM agentnest_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3]);
  });

  it('has tenant_id in every index, and row-level security forced on the table', async () => {
    const { rows: idx } = await pool.query(`SELECT indexdef FROM pg_indexes WHERE tablename IN ('agentnest_messages', 'agentnest_appends')`);
    expect(idx.length).toBeGreaterThanOrEqual(3);
    for (const r of idx) expect(r.indexdef).toMatch(/\(tenant_id,/);
    const { rows } = await pool.query(`SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname IN ('agentnest_messages', 'agentnest_appends') ORDER BY relname`);
    expect(rows).toEqual([
      { relname: 'agentnest_appends', relrowsecurity: true, relforcerowsecurity: true },
      { relname: 'agentnest_messages', relrowsecurity: true, relforcerowsecurity: true },
    ]);
  });

  it('row-level security hides other tenants even from a query without a tenant filter', async () => {
    await store.append(alice, [msg('acme data')]);
    await store.append({ ...alice, tenant: 'pg-globex' }, [msg('globex data')]);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('agentnest.tenant', '=pg-globex', true)`);
      const { rows } = await client.query(`SELECT message::jsonb->>'content' AS content FROM agentnest_messages`);
      expect(rows.map((r) => r.content)).toContain('globex data');
      expect(rows.map((r) => r.content)).not.toContain('acme data');
      // Writing a row for another tenant is refused by the policy.
      await expect(client.query(`INSERT INTO agentnest_messages (tenant_id, principal_id, conversation_id, message) VALUES ('=pg-acme', '=x', 'c', '{}')`)).rejects.toThrow(/row-level security/);
      await client.query('ROLLBACK');
      const none = await pool.query(`SELECT count(*)::int AS n FROM agentnest_messages`);
      expect(none.rows[0].n).toBe(0);
    } finally {
      client.release();
    }
  });

  it('finds similar earlier messages of the same tenant and principal only', async () => {
    await store.append({ ...alice, conversationId: 's1' }, [msg('cats'), msg('dogs')], { embeddings: [[1, 0, 0], [0, 1, 0]] });
    await store.append({ ...alice, conversationId: 's2' }, [msg('kittens')], { embeddings: [[0.9, 0.1, 0]] });
    await store.append({ ...alice, principal: 'bob', conversationId: 's1' }, [msg('bob cats')], { embeddings: [[1, 0, 0]] });
    await store.append({ ...alice, tenant: 'pg-globex', conversationId: 's1' }, [msg('globex cats')], { embeddings: [[1, 0, 0]] });
    const hits = await store.search({ ...alice, conversationId: 'new' }, [1, 0, 0], { k: 2, minScore: 0.5 });
    expect(hits.map((h) => [h.message.content, h.conversationId])).toEqual([
      ['cats', 's1'],
      ['kittens', 's2'],
    ]);
    expect(hits[0].score).toBeCloseTo(1, 5);
  });

  // The store's bookkeeping read raw, as the table owner's admin role (row-level security aside).
  const admin = async <R>(sql: string, params: unknown[] = []): Promise<R[]> => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_ADMIN_URL });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as R[];
    } finally {
      await client.end();
    }
  };
  const keysOf = async (conversationId: string) => (await admin<{ k: string }>(`SELECT idempotency_key AS k FROM agentnest_appends WHERE conversation_id = $1 ORDER BY applied_at, idempotency_key`, [conversationId])).map((r) => r.k);
  const messageCount = async (conversationId: string) => (await admin<{ n: number }>(`SELECT count(*)::int AS n FROM agentnest_messages WHERE conversation_id = $1`, [conversationId]))[0].n;

  it('keeps the newest maxIdempotencyKeys rows per conversation: a recent retry writes nothing, a key pushed out is applied again, erasing deletes them', async () => {
    const capped = new PostgresStore({ pool, maxIdempotencyKeys: 3 });
    const id = { ...alice, conversationId: 'keys-capped' };
    const say = (run: string) => capped.append(id, [msg(run)], { idempotencyKey: run });
    for (const run of ['r1', 'r2', 'r3', 'r4', 'r5']) await say(run);
    expect(await keysOf(id.conversationId)).toEqual(['r3', 'r4', 'r5']);
    await say('r3');
    await say('r5');
    expect(await messageCount(id.conversationId)).toBe(5);
    // By design: r1 fell off after three newer keyed appends, so its retry writes again (and pushes out r3).
    await say('r1');
    expect(await messageCount(id.conversationId)).toBe(6);
    expect(await keysOf(id.conversationId)).toEqual(['r4', 'r5', 'r1']);
    await capped.clear(id);
    expect(await keysOf(id.conversationId)).toEqual([]);
    await say('r6');
    expect(await capped.forgetPrincipal({ tenant: alice.tenant, principal: alice.principal })).toBeGreaterThanOrEqual(1);
    expect(await keysOf(id.conversationId)).toEqual([]);
    expect(() => new PostgresStore({ pool, maxIdempotencyKeys: 0 })).toThrow(/maxIdempotencyKeys/);
  });

  it('still deduplicates against rows written before the cap, and trims them first', async () => {
    const capped = new PostgresStore({ pool, maxIdempotencyKeys: 3 });
    const id = { ...alice, conversationId: 'keys-legacy' };
    // Rows as the earlier version wrote them: applied_at the transaction's now(), here an hour ago.
    await admin(`INSERT INTO agentnest_appends (tenant_id, principal_id, conversation_id, idempotency_key, applied_at) SELECT '=pg-acme', '=alice', $1, k, now() - interval '1 hour' FROM unnest($2::text[]) k`, [id.conversationId, ['old-1', 'old-2']]);
    await capped.append(id, [msg('old-2 retried')], { idempotencyKey: 'old-2' });
    expect(await messageCount(id.conversationId)).toBe(0);
    for (const run of ['new-1', 'new-2']) await capped.append(id, [msg(run)], { idempotencyKey: run });
    expect(await keysOf(id.conversationId)).toEqual(['old-2', 'new-1', 'new-2']);
    expect(await messageCount(id.conversationId)).toBe(2);
  });

  it(`keeps ${DEFAULT_MAX_IDEMPOTENCY_KEYS} keys per conversation by default, whatever maxMessages`, async () => {
    const capped = new PostgresStore({ pool, maxMessages: 2 });
    const id = { ...alice, conversationId: 'keys-default' };
    const extra = 5;
    for (let i = 0; i < DEFAULT_MAX_IDEMPOTENCY_KEYS + extra; i++) await capped.append(id, [msg(String(i))], { idempotencyKey: `run-${i}` });
    const keys = await keysOf(id.conversationId);
    expect(keys).toHaveLength(DEFAULT_MAX_IDEMPOTENCY_KEYS);
    expect(keys[0]).toBe(`run-${extra}`);
    expect(keys.at(-1)).toBe(`run-${DEFAULT_MAX_IDEMPOTENCY_KEYS + extra - 1}`);
    expect(await messageCount(id.conversationId)).toBe(2);
  });

  it('opens its own pool from a URL, migrating when asked', async () => {
    const own = await PostgresStore.fromUrl(process.env.DATABASE_URL!, { migrate: true });
    await own.append({ ...alice, conversationId: 'url' }, [msg('x')]);
    expect(await own.load({ ...alice, conversationId: 'url' })).toEqual([msg('x')]);
    await own.close();
  });
});
