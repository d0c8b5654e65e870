import 'reflect-metadata';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { MemoryModule } from './memory.module.js';
import { MEMORY_STORE } from './memory.constants.js';
import { InMemoryStore } from '../stores/in-memory.store.js';
import { RedisStore } from '../stores/redis.store.js';
import { PostgresStore } from '../stores/postgres.store.js';
import type { MemoryStore } from '../memory-store.js';
import { setDriverImporter } from '../load-peer.js';
import { MissingPeerDependencyError } from '../memory.errors.js';

const shared = new Redis(process.env.REDIS_URL!);
afterAll(() => shared.quit());

async function storeOf(imports: Parameters<typeof Test.createTestingModule>[0]['imports']) {
  const app = await (await Test.createTestingModule({ imports }).compile()).init();
  return { app, store: app.get<MemoryStore>(MEMORY_STORE) };
}

describe('MemoryModule', () => {
  it('builds the in-memory store', async () => {
    const { app, store } = await storeOf([MemoryModule.forRoot({ type: 'memory' })]);
    expect(store).toBeInstanceOf(InMemoryStore);
    await app.close();
  });

  it('builds a RedisStore on a shared client and leaves that client open on shutdown', async () => {
    const { app, store } = await storeOf([MemoryModule.forRootAsync({ useFactory: () => ({ type: 'redis' as const, redis: shared, prefix: `test:mm:${randomUUID()}:` }) })]);
    expect(store).toBeInstanceOf(RedisStore);
    await store.append({ tenant: 't', conversationId: 'c' }, [{ role: 'user', content: 'x' }]);
    await app.close();
    expect(await shared.ping()).toBe('PONG');
  });

  it('builds a migrated PostgresStore from a URL and ends its pool on shutdown', async () => {
    const { app, store } = await storeOf([MemoryModule.forRoot({ type: 'postgres', url: process.env.DATABASE_URL!, migrate: true })]);
    expect(store).toBeInstanceOf(PostgresStore);
    await store.append({ tenant: 'mm', conversationId: randomUUID() }, [{ role: 'user', content: 'x' }]);
    await app.close();
    await expect(store.load({ tenant: 'mm', conversationId: 'c' })).rejects.toThrow();
  });

  it('says what to install when a driver is missing', async () => {
    const restore = setDriverImporter(async (spec) => {
      throw Object.assign(new Error(`Cannot find package '${spec}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    });
    try {
      const err = await storeOf([MemoryModule.forRoot({ type: 'postgres', url: 'postgres://x@127.0.0.1:1/x' })]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingPeerDependencyError);
      expect((err as Error).message).toContain('npm install pg');
    } finally {
      restore();
    }
  });
});
