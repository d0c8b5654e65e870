import 'reflect-metadata';
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
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
    const tenant = new TenantContext(new RequestContext());
    const agents = { has: () => true, registerEraser: () => undefined } as unknown as AgentService;
    const [registry, events, approvals] = [new RunRegistry({ redis, prefix }), new RunEvents({ redis, prefix }), new ApprovalRegistry({ redis, prefix })];
    const jobs = new AgentJobs(queue, registry, events, new RunStreamHub({ redis }), approvals, new ApprovalFlow(queue, registry, events, approvals, {}), { get: () => agents } as unknown as ModuleRef, tenant, {});
    const enqueue = () => tenant.run({ tenant: 'acme', principal: 'alice' }, () => jobs.enqueue('assistant', { message: 'pay' }, { idempotencyKey: 'order-1' }));

    await expect(enqueue()).rejects.toThrow('queue unavailable');
    const retried = await enqueue();
    expect(retried.existing).toBe(false);
    expect(added).toEqual([retried.runId]);
    const again = await enqueue();
    expect(again).toMatchObject({ runId: retried.runId, existing: true });
  });
});
