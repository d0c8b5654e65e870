import 'reflect-metadata';
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { RequestContext } from '../context/request-context.js';
import { TenantContext } from '../context/tenant-context.js';
import type { AgentService } from '../nest/agent.service.js';
import { TenantRequiredError, TooManyRunsError } from '../errors/agent.errors.js';
import { AgentJobs } from './agent-jobs.service.js';
import type { AgentRunJob } from './agent-run.job.js';
import { RunEvents } from './streams/run-events.js';
import { RunStreamHub } from './streams/run-stream-hub.js';
import { ApprovalFlow } from './approvals/approval-flow.js';
import { ApprovalRegistry } from './approvals/approval-registry.js';
import type { AppAgents } from './app-agents.js';
import { ApprovalCommands } from './approvals/approval-commands.js';
import { RunCommands } from './runs/run-commands.js';
import { RunFollows } from './streams/run-follows.js';
import { RunRegistry } from './runs/run-registry.js';
import { TenantRunQuota } from './runs/tenant-run-quota.js';

const redis = new Redis(process.env.REDIS_URL!);
afterAll(() => redis.quit());

function jobsOn(queue: Queue<AgentRunJob>, prefix: string, maxRunsPerTenant?: number) {
  const tenant = new TenantContext(new RequestContext());
  const agents = { has: () => true, mayCall: () => true, registerEraser: () => undefined } as unknown as AgentService;
  const [registry, events, approvals] = [new RunRegistry({ redis, prefix }), new RunEvents({ redis, prefix }), new ApprovalRegistry({ redis, prefix })];
  const quota = new TenantRunQuota(redis, maxRunsPerTenant, prefix);
  const app = { service: agents } as AppAgents;
  const flow = new ApprovalFlow(queue, registry, events, approvals, quota, {});
  const runs = new RunCommands(queue, registry, events, approvals, flow, quota, app, {});
  const follows = new RunFollows(registry, events, new RunStreamHub({ redis }), {});
  const jobs = new AgentJobs(queue, runs, follows, new ApprovalCommands(approvals, flow, app), app, tenant, {});
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
    // The failed enqueue gave its slot back.
    const counted = async () => (await redis.keys(`${prefix}active-runs:*`)).length && redis.zcard((await redis.keys(`${prefix}active-runs:*`))[0]!);
    expect(await counted()).toBe(0);
    const retried = await enqueue();
    expect(await counted()).toBe(1);
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

describe('AgentJobs and the per-tenant cap', () => {
  it("refuses a tenant's run past its cap with too_many_runs, gives the slot back on cancel and erase, and never counts another tenant's runs", async () => {
    const prefix = `test:jobs:${randomUUID()}:`;
    const queue = new Queue<AgentRunJob>('runs', { connection: redis, prefix: `{${prefix}bull}` });
    try {
      const { jobs, as } = jobsOn(queue, prefix, 3);
      const bob = { tenant: 'acme', principal: 'bob' };
      const first = await as(() => jobs.enqueue('assistant', { message: 'one', conversationId: 'c1' }));
      await as(() => jobs.enqueue('assistant', { message: 'two', conversationId: 'c2' }));
      // The cap is the tenant's, whichever of its principals queued.
      await as(() => jobs.enqueue('assistant', { message: 'three', conversationId: 'c2' }), bob);
      const refused = as(() => jobs.enqueue('assistant', { message: 'four' }));
      await expect(refused).rejects.toBeInstanceOf(TooManyRunsError);
      await expect(refused).rejects.toMatchObject({ code: 'too_many_runs', limit: 3, retryAfterMs: 5_000 });
      // An idempotent retry of a run that exists is answered, not refused; a new key is refused and stays free.
      await expect(as(() => jobs.enqueue('assistant', { message: 'five' }, { idempotencyKey: 'k' }))).rejects.toMatchObject({ code: 'too_many_runs' });
      // Another tenant has its own count.
      await as(() => jobs.enqueue('assistant', { message: 'other' }), { tenant: 'globex', principal: 'alice' });

      await as(() => jobs.cancel(first.runId));
      const fifth = await as(() => jobs.enqueue('assistant', { message: 'five' }, { idempotencyKey: 'k' }));
      expect(await as(() => jobs.enqueue('assistant', { message: 'five' }, { idempotencyKey: 'k' }))).toMatchObject({ runId: fifth.runId, existing: true });
      await expect(as(() => jobs.enqueue('assistant', { message: 'six' }))).rejects.toMatchObject({ code: 'too_many_runs' });

      // At the cap, parallel requests with one new key are all refused: none is told of a run that never exists.
      const racing = await Promise.allSettled(Array.from({ length: 4 }, () => as(() => jobs.enqueue('assistant', { message: 'race' }, { idempotencyKey: 'race' }))));
      expect(racing.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'queued'))).toEqual(Array(4).fill('too_many_runs'));
      // A bad identity is refused before the key is bound, so its retry is refused the same way.
      for (let i = 0; i < 2; i++) await expect(as(() => jobs.enqueue('assistant', { message: 'x', conversationId: 'bad\ud800' }, { idempotencyKey: 'bad' }))).rejects.toMatchObject({ code: 'invalid_identity' });

      // Bob's erasure of his conversation frees his run's slot.
      expect(await as(() => jobs.erase(bob, { conversationId: 'c2' }), bob)).toBe(1);
      await as(() => jobs.enqueue('assistant', { message: 'six' }));
      await expect(as(() => jobs.enqueue('assistant', { message: 'seven' }))).rejects.toMatchObject({ code: 'too_many_runs' });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

describe('AgentJobs without a tenant', () => {
  it('serves nothing: every command, read and approval refuses a caller without a tenant (they read as the empty owner before)', async () => {
    const prefix = `test:jobs:${randomUUID()}:`;
    const { jobs, as } = jobsOn({ on: () => undefined } as unknown as Queue<AgentRunJob>, prefix);
    const runId = randomUUID();
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['enqueue', () => jobs.enqueue('assistant', { message: 'hi' })],
      ['resume', () => jobs.resume(runId, 'yes')],
      ['cancel', () => jobs.cancel(runId)],
      ['list', () => jobs.list()],
      ['get', () => jobs.get(runId)],
      ['listApprovals', () => jobs.listApprovals()],
      ['getApproval', () => jobs.getApproval(randomUUID())],
    ];
    for (const [name, call] of calls) {
      for (const who of [{}, { principal: 'alice' }]) await expect([name, await as(call, who as never).then(() => 'served', (e: unknown) => e)]).toEqual([name, expect.any(TenantRequiredError)]);
    }
  });
});

