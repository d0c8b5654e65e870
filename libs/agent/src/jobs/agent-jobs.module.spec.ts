import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mock } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { AgentService } from '../nest/agent.service.js';
import { defineTool } from '../tools/tool.js';
import { TenantContext } from '../context/tenant-context.js';
import { AgentModule } from '../nest/agent.module.js';
import { AgentJobs } from './agent-jobs.service.js';
import { AgentJobsModule } from './agent-jobs.module.js';
import { AgentJobsConnections } from './agent-jobs.connections.js';
import { queueApp } from './queue-app.fixtures.js';
import { eventually } from '../../../../test/eventually.js';

const sockets = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;


describe('AgentJobsModule', () => {
  it('ends a live stream with a final event when its run is erased mid-turn, and frees its slot', async () => {
    const { app, jobs, as, until } = await queueApp([
      AgentModule.forRoot({ agents: { slow: { provider: mock({ reply: 'too late', delayMs: 30_000 }), model: 'm' }, quick: { provider: mock({ reply: 'ok' }), model: 'm' } } }),
      AgentJobsModule.forRoot({ connection: process.env.REDIS_URL!, prefix: `jobs-module-spec-${randomUUID()}:`, maxStreamsPerTenant: 1 }),
    ]);
    try {
      const { runId } = await as(() => jobs.enqueue('slow', { message: 'hi', conversationId: 'c-erased' }));
      await until(runId, 'running');
      const follow = await as(() => jobs.follow(runId, '0', new AbortController().signal));
      const seen: unknown[] = [];
      const ended = (async () => {
        for await (const { event } of follow!.events) seen.push(event);
      })();
      await as(() => app.get(AgentService).clearConversation('c-erased'));
      await ended;
      expect(seen.at(-1)).toMatchObject({ type: 'status', status: 'cancelled', error: { code: 'run_erased' } });
      // Its slot went with it: the tenant's one stream may be opened again.
      const { runId: next } = await as(() => jobs.enqueue('quick', { message: 'again' }));
      await until(next, 'completed');
      const again = await as(() => jobs.follow(next, '0', new AbortController().signal));
      for await (const _ of again!.events);
    } finally {
      await app.close();
    }
  }, 20_000);

  it("keeps the model's finishReason on the run record and its final event, as the library result has it", async () => {
    const { app, jobs, as, until } = await queueApp([
      AgentModule.forRoot({ agents: { cut: { provider: mock({ reply: { text: 'cut off mid-sent', finishReason: 'length' } }), model: 'm' } } }),
      AgentJobsModule.forRoot({ connection: process.env.REDIS_URL!, prefix: `jobs-module-spec-${randomUUID()}:` }),
    ]);
    try {
      const { runId } = await as(() => jobs.enqueue('cut', { message: 'hi' }));
      expect(await until(runId, 'completed')).toMatchObject({ text: 'cut off mid-sent', finishReason: 'length' });
      const follow = await as(() => jobs.follow(runId, '0', new AbortController().signal));
      const events = [];
      for await (const { event } of follow!.events) events.push(event);
      expect(events.at(-1)).toMatchObject({ type: 'status', status: 'completed', text: 'cut off mid-sent', finishReason: 'length' });
    } finally {
      await app.close();
    }
  });

  it('calls the factory once, finds a non-global AgentModule, runs a job, and closes what it opened', async () => {
    const before = sockets();
    let factoryCalls = 0;
    @Module({
      imports: [
        AgentModule.forRoot({ agents: { echo: { provider: mock({ reply: 'queued hello' }), model: 'm' } } }),
        AgentJobsModule.forRootAsync({
          useFactory: async () => {
            factoryCalls++;
            return { connection: process.env.REDIS_URL!, prefix: `jobs-module-spec-${randomUUID()}:` };
          },
        }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    await app.init();
    // Connections the module opened are ready once init returns (a fail-fast command sent while connecting would fail).
    const connections = app.get(AgentJobsConnections, { strict: false });
    expect([connections.client.status, connections.queue.status]).toEqual(['ready', 'ready']);
    const jobs = app.get(AgentJobs);
    const tenant = app.get(TenantContext);
    const { runId } = await tenant.run({ tenant: 'acme', principal: 'alice' }, () => jobs.enqueue('echo', { message: 'hi' }));
    const record = await eventually('the run to complete', async () => {
      const found = await tenant.run({ tenant: 'acme', principal: 'alice' }, () => jobs.get(runId));
      return found?.status === 'completed' ? found : undefined;
    });
    expect(record).toMatchObject({ status: 'completed', text: 'queued hello' });
    expect(factoryCalls).toBe(1);
    await app.close();
    // Sockets that are closing still count for a moment; a leaked connection never goes.
    await eventually('the module sockets to close', () => (sockets() <= before ? true : undefined), { timeoutMs: 5_000, everyMs: 50 });
  });

  it('reads no memory for the first turn of a conversation it started, queued or direct, and the history of one it continues', async () => {
    const store = new InMemoryStore();
    const loaded: string[] = [];
    const load = store.load.bind(store);
    store.load = (identity, opts) => (loaded.push(identity.conversationId), load(identity, opts));
    const model = mock({ reply: 'ok' });
    const { app, jobs, as, until } = await queueApp([
      AgentModule.forRoot({ agents: { echo: { provider: model, model: 'm' } }, memory: store }),
      AgentJobsModule.forRoot({ connection: process.env.REDIS_URL!, prefix: `jobs-module-memory-${randomUUID()}:` }),
    ]);
    try {
      const first = await until((await as(() => jobs.enqueue('echo', { message: 'one' }))).runId, 'completed');
      expect(loaded).toEqual([]);
      await until((await as(() => jobs.enqueue('echo', { message: 'two', conversationId: first.conversationId }))).runId, 'completed');
      expect(loaded).toEqual([first.conversationId]);
      expect(model.calls.at(-1)!.messages.map((m) => m.content)).toEqual(['one', 'ok', 'two']);
      // The direct path alike.
      const direct = app.get(AgentService);
      await as(() => direct.run('echo', { message: 'three' }));
      expect(loaded).toHaveLength(1);
      await as(() => direct.run('echo', { message: 'four', conversationId: first.conversationId }));
      expect(loaded).toEqual([first.conversationId, first.conversationId]);
    } finally {
      await app.close();
    }
  });

  it('refuses to answer a queued run that waits for an approval (409), and leaves it paused', async () => {
    const refund = defineTool({ name: 'refund', description: 'Refund', inputSchema: { type: 'object', properties: {} }, needsApproval: true, execute: () => 'refunded' });
    const { app, jobs, as, until } = await queueApp([
      AgentModule.forRoot({ agents: { support: { provider: mock({ replies: [{ toolCalls: [{ name: 'refund', args: {} }] }, 'done'] }), model: 'm', tools: [refund] } }, checkpointSecret: 'jobs-module-approval-secret-0123456789' }),
      AgentJobsModule.forRoot({ connection: process.env.REDIS_URL!, prefix: `jobs-module-approval-${randomUUID()}:` }),
    ]);
    try {
      const { runId } = await as(() => jobs.enqueue('support', { message: 'refund please' }));
      const record = await until(runId, 'paused');
      expect(record).toMatchObject({ status: 'paused', pauseData: { kind: 'approval', tool: 'refund' } });
      await expect(as(() => jobs.resume(runId, 'yes'))).rejects.toMatchObject({ code: 'run_state_conflict', status: 'awaiting_approval' });
      expect(await as(() => jobs.get(runId))).toMatchObject({ status: 'paused' });
    } finally {
      await app.close();
    }
  });
});
