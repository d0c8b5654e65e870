import 'reflect-metadata';
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { RequestContext } from '../context/request-context.js';
import { TenantContext } from '../context/tenant-context.js';
import type { AgentService } from '../nest/agent.service.js';
import { AgentJobs } from './agent-jobs.service.js';
import type { AgentRunJob } from './agent-run.job.js';
import { RunEvents } from './run-events.js';
import { RunStreamHub } from './run-stream-hub.js';
import { ApprovalFlow } from './approval-flow.js';
import { ApprovalRegistry } from './approval-registry.js';
import type { ModuleRef } from '@nestjs/core';
import { RunRegistry } from './run-registry.js';

const redis = new Redis(process.env.REDIS_URL!);
afterAll(() => redis.quit());

function jobsOn(queue: Queue<AgentRunJob>, prefix: string) {
  const tenant = new TenantContext(new RequestContext());
  const agents = { has: () => true, registerEraser: () => undefined } as unknown as AgentService;
  const [registry, events, approvals] = [new RunRegistry({ redis, prefix }), new RunEvents({ redis, prefix }), new ApprovalRegistry({ redis, prefix })];
  const jobs = new AgentJobs(queue, registry, events, new RunStreamHub({ redis }), approvals, new ApprovalFlow(queue, registry, events, approvals, {}), { get: () => agents } as unknown as ModuleRef, tenant, {});
  return { jobs, registry, events, as: <T>(fn: () => Promise<T>, who = { tenant: 'acme', principal: 'alice' }) => tenant.run(who, fn) };
}

describe('AgentJobs.enqueue', () => {
  it('frees a claimed Idempotency-Key when queueing fails, so the retry is queued', async () => {
    const prefix = `test:jobs:${randomUUID()}:`;
    let failNext = true;
    const added: string[] = [];
    const queue = {
      on: () => queue,
      qualifiedName: `${prefix}bull:runs`,
      getBackend: () => ({ client: Promise.resolve(redis) }),
      add: async (_name: string, job: AgentRunJob) => {
        if (failNext) {
          failNext = false;
          throw new Error('queue unavailable');
        }
        added.push(job.runId);
      },
    } as unknown as Queue<AgentRunJob>;
    const { jobs, as } = jobsOn(queue, prefix);
    const enqueue = () => as(() => jobs.enqueue('assistant', { message: 'pay' }, { idempotencyKey: 'order-1' }));

    await expect(enqueue()).rejects.toThrow('queue unavailable');
    const retried = await enqueue();
    expect(retried.existing).toBe(false);
    expect(added).toEqual([retried.runId]);
    const again = await enqueue();
    expect(again).toMatchObject({ runId: retried.runId, existing: true });
  });
});

describe('AgentJobs.cancel', () => {
  it('removes a waiting job and cancels its run, but only asks a run whose job a worker holds to abort, even before it claims its record', async () => {
    const prefix = `test:jobs:${randomUUID()}:`;
    const queue = new Queue<AgentRunJob>('runs', { connection: redis, prefix: `{${prefix}bull}` });
    // A worker that takes one job and holds it, as a worker whose run has not written anything yet.
    const held = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
    const worker = new Worker<AgentRunJob>('runs', null, { connection: held, prefix: `{${prefix}bull}` });
    try {
      const { jobs, registry, events, as } = jobsOn(queue, prefix);
      const active = await as(() => jobs.enqueue('assistant', { message: 'first' }));
      const waiting = await as(() => jobs.enqueue('assistant', { message: 'second' }));
      expect((await worker.getNextJob('holder'))?.id).toBe(active.runId);

      expect(await as(() => jobs.cancel(active.runId))).toEqual({ runId: active.runId, status: 'running', cancelRequested: true });
      // Still the worker's: its record is not cancelled behind its back, it learns of the request when it writes.
      expect(await registry.get({ tenant: 'acme', principal: 'alice' }, active.runId)).toMatchObject({ status: 'queued', cancelRequested: true });
      expect(await (await queue.getJob(active.runId))?.isActive()).toBe(true);

      expect(await as(() => jobs.cancel(waiting.runId))).toEqual({ runId: waiting.runId, status: 'cancelled' });
      expect(await queue.getJob(waiting.runId)).toBeUndefined();
      expect((await events.read({ tenant: 'acme', principal: 'alice' }, waiting.runId, '0')).map((e) => e.event)).toEqual([
        { type: 'status', status: 'queued' },
        { type: 'status', status: 'cancelled' },
      ]);
      // Another owner cannot cancel either.
      await expect(as(() => jobs.cancel(active.runId), { tenant: 'globex', principal: 'alice' })).rejects.toMatchObject({ code: 'run_not_found' });
    } finally {
      await worker.close(true);
      await held.quit();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
