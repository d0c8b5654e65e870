import type { Cluster, Redis } from 'ioredis';
import type { PgPool as Pool } from './stores/postgres.client.js';
import { MemoryError } from './memory.errors.js';
import type { MemoryAuditSink, MemoryStore } from './memory-store.js';
import { AgentCoreStore, type AgentCoreStoreOptions } from './stores/agentcore.store.js';
import { InMemoryStore } from './stores/in-memory.store.js';
import { PostgresStore } from './stores/postgres.store.js';
import { RedisStore } from './stores/redis.store.js';

/**
 * Bounds on what one conversation may hold (memory, Redis and PostgreSQL stores).
 * @inline
 */
export interface StoreCaps {
  /** Keep at most this many messages per conversation; @default unlimited */
  maxMessages?: number;
  /** How long messages are kept (Redis, memory: after the conversation's last append; PostgreSQL: after each message's own write); @default forever */
  ttlMs?: number;
}

/** Which store to build, and what it needs. */
export type MemoryStoreConfig =
  | ({ type: 'memory' } & StoreCaps)
  | ({ type: 'redis'; redis: Redis | Cluster | string; prefix?: string } & StoreCaps)
  | ({ type: 'postgres'; url?: string; pool?: Pool; migrate?: boolean } & StoreCaps)
  | ({ type: 'agentcore' } & Omit<AgentCoreStoreOptions, 'onAudit'>);

/** Every `type` {@link createMemoryStore} accepts, e.g. to validate a config value before building. */
export const MEMORY_STORE_TYPES = ['memory', 'redis', 'postgres', 'agentcore'] as const;

/** Builds a store from config (loading its driver on demand); shared connections stay the caller's to close. */
export async function createMemoryStore(config: MemoryStoreConfig, onAudit?: MemoryAuditSink): Promise<MemoryStore> {
  switch (config.type) {
    case 'memory':
      return new InMemoryStore({ onAudit, maxMessages: config.maxMessages, ttlMs: config.ttlMs });
    case 'redis': {
      const { redis, ...rest } = config;
      return typeof redis === 'string' ? RedisStore.fromUrl(redis, { ...rest, onAudit }) : new RedisStore({ ...rest, redis, onAudit });
    }
    case 'postgres': {
      if (config.pool) {
        const store = new PostgresStore({ pool: config.pool, onAudit, maxMessages: config.maxMessages, ttlMs: config.ttlMs });
        if (config.migrate) await store.migrate();
        return store;
      }
      if (!config.url) throw new MemoryError('invalid_config', 'postgres memory needs a url or a pool');
      return PostgresStore.fromUrl(config.url, { migrate: config.migrate, onAudit, maxMessages: config.maxMessages, ttlMs: config.ttlMs });
    }
    case 'agentcore': {
      const { type: _type, ...rest } = config;
      return new AgentCoreStore({ ...rest, onAudit });
    }
    default:
      throw new MemoryError('invalid_config', `unknown memory store type "${(config as { type: string }).type}"`);
  }
}
