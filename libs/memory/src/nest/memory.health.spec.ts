import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { MemoryModule } from './memory.module.js';
import { MemoryHealthIndicator } from './memory.health.js';
import { InMemoryStore } from '../stores/in-memory.store.js';
import type { MemoryStore } from '../memory-store.js';

// A store whose reads fail, or never answer.
const failing = (load: MemoryStore['load']): MemoryStore => Object.assign(new InMemoryStore(), { name: 'flaky', load });

describe('MemoryHealthIndicator', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function indicator(store: MemoryStore) {
    app = await (await Test.createTestingModule({ imports: [TerminusModule, MemoryModule.forRootAsync({ useFactory: () => ({ store }) })] }).compile()).init();
    return { memory: app.get(MemoryHealthIndicator), health: app.get(HealthCheckService) };
  }

  it("is up with the store's name when a read answers, in terminus' health check", async () => {
    const { memory, health } = await indicator(new InMemoryStore());
    expect(await health.check([() => memory.isHealthy()])).toMatchObject({ status: 'ok', details: { memory: { status: 'up', store: 'memory' } } });
  });

  it("is down, with the store's name only, when a read fails or outlasts the timeout", async () => {
    const { memory } = await indicator(failing(() => Promise.reject(new Error('postgres://user:secret@db refused'))));
    expect(await memory.isHealthy('store')).toEqual({ store: { status: 'down', store: 'flaky' } });
    await app!.close();
    const slow = await indicator(failing(() => new Promise(() => {})));
    expect(await slow.memory.isHealthy('memory', { timeoutMs: 10 })).toEqual({ memory: { status: 'down', store: 'flaky' } });
  });
});
