import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { BullModule } from '@nestjs/bullmq';
import { Redis } from 'ioredis';
import { mock } from '@agentnest/providers';
import { AgentModule } from '../nest/agent.module.js';
import { AgentJobsHealthIndicator } from './agent-jobs.health.js';
import { AgentJobsModule } from './agent-jobs.module.js';
import { AgentRunProcessor } from './worker/agent-run.processor.js';
import { queueApp } from './queue-app.fixtures.js';
import { eventually } from '../../../../test/eventually.js';

// `held` answers only when the test lets it: a run in flight for exactly as long as the test needs.
function gate() {
  let open!: () => void;
  const opened = new Promise<string>((resolve) => (open = () => resolve('late')));
  return { opened, open };
}
const agents = (held = gate()) => AgentModule.forRoot({ agents: { echo: { provider: mock({ reply: 'hello' }), model: 'm' }, held: { provider: mock({ respond: () => held.opened }), model: 'm' } } });
const prefix = () => `jobs-options-spec-${randomUUID()}:`;

const appOf = queueApp;

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

  it('drains an active run before closing by default', async () => {
    const held = gate();
    const { app, jobs, as, until } = await appOf([agents(held), AgentJobsModule.forRootAsync({ useFactory: () => ({ connection: process.env.REDIS_URL!, prefix: prefix() }) })]);
    const { runId } = await as(() => jobs.enqueue('held', { message: 'hi' }));
    await until(runId, 'running');
    let released = false;
    const closed = app.close().then(() => released);
    // Shutdown has begun (the worker takes no more jobs) while the run is still held.
    const worker = app.get(AgentRunProcessor, { strict: false }).worker;
    await eventually('the worker to pause', async () => (worker.isPaused() ? true : undefined));
    released = true;
    held.open();
    expect(await closed).toBe(true);
  });

  it('closes without waiting for active runs when shutdown.drain is false', async () => {
    const { app, jobs, as, until } = await appOf([agents(), AgentJobsModule.forRootAsync({ useFactory: () => ({ connection: process.env.REDIS_URL!, prefix: prefix(), shutdown: { drain: false, graceMs: 30_000 } }) })]);
    const { runId } = await as(() => jobs.enqueue('held', { message: 'hi' }));
    await until(runId, 'running');
    // The run is never released: draining would wait the 30 s grace period, past the test's timeout.
    await app.close();
  });
});
