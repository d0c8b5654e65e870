import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { mock } from '@agentnest/providers';
import { TenantContext } from '../context/tenant-context.js';
import { AgentModule } from '../nest/agent.module.js';
import { AgentJobsHealthIndicator } from './agent-jobs.health.js';
import { AgentJobsModule } from './agent-jobs.module.js';
import { AgentJobs } from './agent-jobs.service.js';
import { AgentRunProcessor } from './worker/agent-run.processor.js';

const agents = () => AgentModule.forRoot({ agents: { echo: { provider: mock({ reply: 'hello' }), model: 'm' }, slow: { provider: mock({ reply: 'late', delayMs: 3_000 }), model: 'm' } } });
const prefix = () => `jobs-options-spec-${randomUUID()}:`;

async function appOf(imports: Parameters<typeof Module>[0]['imports']) {
  @Module({ imports })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  await app.init();
  const jobs = app.get(AgentJobs);
  const as = <T>(work: () => Promise<T>) => app.get(TenantContext).run({ tenant: 'acme', principal: 'alice' }, work);
  const until = async (runId: string, status: string) => {
    const deadline = Date.now() + 10_000;
    let record = await as(() => jobs.get(runId));
    while (record.status !== status && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      record = await as(() => jobs.get(runId));
    }
    return record;
  };
  return { app, jobs, as, until };
}

describe('AgentJobsModule options', () => {
  const shared = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
  afterAll(() => shared.quit());

  it('takes worker and lockMs from the async factory', async () => {
    const { app } = await appOf([agents(), AgentJobsModule.forRootAsync({ useFactory: async () => ({ connection: process.env.REDIS_URL!, prefix: prefix(), lockMs: 5_000 }) })]);
    try {
      expect(app.get(AgentRunProcessor, { strict: false }).worker.opts).toMatchObject({ lockDuration: 5_000, stalledInterval: 5_000 });
    } finally {
      await app.close();
    }
    const queueOnly = await appOf([agents(), AgentJobsModule.forRootAsync({ useFactory: async () => ({ connection: process.env.REDIS_URL!, prefix: prefix(), worker: false }) })]);
    try {
      expect(queueOnly.app.get(AgentRunProcessor, { strict: false })).toBeNull();
      const { runId } = await queueOnly.as(() => queueOnly.jobs.enqueue('echo', { message: 'hi' }));
      expect((await queueOnly.as(() => queueOnly.jobs.get(runId))).status).toBe('queued');
    } finally {
      await queueOnly.app.close();
    }
  });

  it("reuses a BullModule.forRoot connection by configKey, leaves it open, and reports the queue's health", async () => {
    const { app, jobs, as, until } = await appOf([agents(), BullModule.forRoot('shared-redis', { connection: shared }), AgentJobsModule.forRoot({ configKey: 'shared-redis', prefix: prefix() })]);
    try {
      const { runId } = await as(() => jobs.enqueue('echo', { message: 'hi' }));
      expect(await until(runId, 'completed')).toMatchObject({ status: 'completed', text: 'hello' });
      expect(await app.get(AgentJobsHealthIndicator).isHealthy('queue')).toEqual({ queue: { status: 'up', queue: 'agentnest-runs' } });
    } finally {
      await app.close();
    }
    expect(shared.status).toBe('ready');
  });

  it('closes without waiting for active runs when shutdown.drain is false', async () => {
    const { app, jobs, as, until } = await appOf([agents(), AgentJobsModule.forRootAsync({ useFactory: () => ({ connection: process.env.REDIS_URL!, prefix: prefix(), shutdown: { drain: false, graceMs: 30_000 } }) })]);
    const { runId } = await as(() => jobs.enqueue('slow', { message: 'hi' }));
    await until(runId, 'running');
    const started = Date.now();
    await app.close();
    // Draining would have waited for the 3 s run to finish.
    expect(Date.now() - started).toBeLessThan(2_000);
    // The run left behind ends on its own (another worker would take it over); nothing of it outlives the test.
    await new Promise((r) => setTimeout(r, 3_500));
  });
});
