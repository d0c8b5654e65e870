import type { PgPoolClient as PoolClient } from './postgres.client.js';

/**
 * Schema versions, applied in order, each once. Every row, query and index carries tenant_id;
 * row-level security (forced, so the owning role obeys it too) is a second wall behind the WHERE
 * clauses: a session sees only rows of the tenant it declared with `agentnest.tenant`.
 */
export const MIGRATIONS: Array<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE agentnest_messages (
        tenant_id text NOT NULL,
        principal_id text NOT NULL,
        conversation_id text NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        message text NOT NULL, -- JSON kept as text: jsonb cannot hold an escaped NUL, which a message may contain
        embedding real[],
        embedding_norm real,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, principal_id, conversation_id, seq)
      );
      CREATE INDEX agentnest_messages_search ON agentnest_messages (tenant_id, principal_id) WHERE embedding IS NOT NULL;
      ALTER TABLE agentnest_messages ENABLE ROW LEVEL SECURITY;
      ALTER TABLE agentnest_messages FORCE ROW LEVEL SECURITY;
      CREATE POLICY agentnest_tenant_isolation ON agentnest_messages
        USING (tenant_id = current_setting('agentnest.tenant', true))
        WITH CHECK (tenant_id = current_setting('agentnest.tenant', true));
    `,
  },
  {
    version: 2,
    // Idempotency keys of applied appends: a retried run's append finds its key and writes nothing.
    sql: `
      CREATE TABLE agentnest_appends (
        tenant_id text NOT NULL,
        principal_id text NOT NULL,
        conversation_id text NOT NULL,
        idempotency_key text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, principal_id, conversation_id, idempotency_key)
      );
      ALTER TABLE agentnest_appends ENABLE ROW LEVEL SECURITY;
      ALTER TABLE agentnest_appends FORCE ROW LEVEL SECURITY;
      CREATE POLICY agentnest_tenant_isolation ON agentnest_appends
        USING (tenant_id = current_setting('agentnest.tenant', true))
        WITH CHECK (tenant_id = current_setting('agentnest.tenant', true));
    `,
  },
  {
    version: 3,
    // Each append keeps only the newest keys of its conversation: this index finds the cut-off by
    // walking them newest first, and the rows beyond it, without sorting the conversation's keys.
    sql: `
      CREATE INDEX agentnest_appends_newest ON agentnest_appends (tenant_id, principal_id, conversation_id, applied_at, idempotency_key);
    `,
  },
];

/** Applies pending migrations under an advisory lock, so concurrent instances booting together do it once. */
export async function migrate(client: PoolClient): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('agentnest_migrations'))`);
    await client.query('CREATE TABLE IF NOT EXISTS agentnest_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM agentnest_migrations')).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO agentnest_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}
