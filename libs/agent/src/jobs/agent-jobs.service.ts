import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { metrics } from '@opentelemetry/api';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TenantContext } from '../context/tenant-context.js';
import { TenantRequiredError, UnknownAgentError } from '../agent.errors.js';
import { AgentService } from '../nest/agent.service.js';
import { AGENT_JOBS_OPTIONS, AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
import type { AgentJobsOptions, AgentRunJob } from './agent-run.job.js';
import { captureTrace } from './job-trace.js';
import { FINAL_STATUSES, RunEvents, type StoredRunEvent } from './run-events.js';
import { RunRegistry, RunStateError, type RunRecord } from './run-registry.js';

export interface EnqueueOptions {
  /** Same key and same input within 24 h returns the same run; a different input is a conflict. */
  idempotencyKey?: string;
  /** Lower runs first (BullMQ priority); @default none */
  priority?: number;
  /** Milliseconds before the run may start. */
  delay?: number;
  /** The client's W3C traceparent, used when no OpenTelemetry SDK supplies the active context. */
  traceparent?: string;
}

/** Queues agent runs for the workers, as the caller in the request context. */
@Injectable()
export class AgentJobs {
  constructor(
    @InjectQueue(AGENT_RUNS_QUEUE) private readonly queue: Queue<AgentRunJob>,
    private readonly registry: RunRegistry,
    private readonly events: RunEvents,
    private readonly agents: AgentService,
    private readonly tenant: TenantContext,
    @Inject(AGENT_JOBS_OPTIONS) private readonly options: AgentJobsOptions,
  ) {
    // Without a listener BullMQ prints every reconnection failure; the app's Redis connection logs them once.
    this.queue.on('error', () => undefined);
    // Observed only when a metrics SDK collects, so it costs nothing otherwise.
    metrics
      .getMeter('agentnest')
      .createObservableGauge('agentnest.queue.depth', { unit: '{run}', description: 'Runs waiting for a worker' })
      .addCallback(async (result) => {
        const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed').catch(() => undefined);
        if (counts) result.observe(Object.values(counts).reduce((a, b) => a + b, 0), { 'messaging.destination.name': AGENT_RUNS_QUEUE });
      });
  }

  async enqueue(agent: string, input: { message: string; conversationId?: string }, opts: EnqueueOptions = {}): Promise<{ runId: string; status: RunRecord['status']; existing: boolean }> {
    if (!this.agents.has(agent)) throw new UnknownAgentError(agent);
    const owner = this.tenant.get() ?? {};
    if (!owner.tenant) throw new TenantRequiredError();
    let runId: string = randomUUID();
    if (opts.idempotencyKey !== undefined) {
      const claim = await this.registry.claimIdempotencyKey(owner, opts.idempotencyKey, { agent, input }, runId);
      if (claim.existing) {
        const known = await this.registry.get(owner, claim.runId);
        return { runId: claim.runId, status: known?.status ?? 'queued', existing: true };
      }
      runId = claim.runId;
    }
    const conversationId = input.conversationId ?? randomUUID();
    const job: AgentRunJob = { runId, agent, tenant: owner.tenant, principal: owner.principal, conversationId, message: input.message, trace: captureTrace(opts.traceparent) };
    try {
      // Issued together: ioredis pipelines them on the one connection, one round trip for both.
      await Promise.all([this.registry.create(owner, { runId, agent, conversationId }, runId), this.events.append(owner, runId, { type: 'status', status: 'queued' })]);
      await this.queue.add('run', job, this.jobOptions(runId, opts));
    } catch (err) {
      // Nothing was queued: free the key so the client's retry of this request is not stuck on a dead run.
      if (opts.idempotencyKey !== undefined) await this.registry.releaseIdempotencyKey(owner, opts.idempotencyKey, runId).catch(() => undefined);
      throw err;
    }
    return { runId, status: 'queued', existing: false };
  }

  /** Answers the caller's paused run: the continuation is queued; a second answer is a RunStateError. */
  async resume(runId: string, answer: string): Promise<{ runId: string; status: RunRecord['status'] } | undefined> {
    const owner = this.tenant.get() ?? {};
    const record = await this.registry.get(owner, runId);
    if (!record) return undefined;
    // The transition is the lock: of two concurrent answers, exactly one moves the run out of 'paused'.
    await this.registry.transition(owner, runId, ['paused'], 'queued', { pauseData: null }, 'answer');
    const jobId = `${runId}-r${await this.registry.nextResume(owner, runId)}`;
    await this.registry.update(owner, runId, { jobId });
    await this.events.append(owner, runId, { type: 'status', status: 'queued' });
    const job: AgentRunJob = { runId, agent: record.agent, tenant: owner.tenant, principal: owner.principal, conversationId: record.conversationId, message: '', answer, trace: captureTrace() };
    await this.queue.add('resume', job, this.jobOptions(jobId, {}));
    return { runId, status: 'queued' };
  }

  /**
   * Cancels the caller's run: a queued or paused run ends 'cancelled' at once (its job removed); a
   * running one is told to abort, through its AbortSignal, on whichever worker runs it.
   */
  async cancel(runId: string): Promise<{ runId: string; status: RunRecord['status']; cancelRequested?: boolean } | undefined> {
    const owner = this.tenant.get() ?? {};
    try {
      const previous = await this.registry.transition(owner, runId, ['queued', 'paused'], 'cancelled', { finishedAt: new Date().toISOString(), pauseData: null }, 'cancel');
      if (previous === undefined) return undefined;
      const jobId = await this.registry.jobId(owner, runId);
      // A job that became active meanwhile finds the run cancelled and does nothing.
      if (previous === 'queued' && jobId) await this.queue.remove(jobId).catch(() => 0);
      await this.events.append(owner, runId, { type: 'status', status: 'cancelled' });
      return { runId, status: 'cancelled' };
    } catch (err) {
      if (!(err instanceof RunStateError) || err.status !== 'running') throw err;
      // Recorded first, so a worker that takes the job over after a crash sees it too.
      await this.registry.update(owner, runId, { cancelRequested: true });
      await this.registry.requestCancel(runId);
      return { runId, status: 'running', cancelRequested: true };
    }
  }

  /**
   * The caller's run as it happens: stored events after `afterId` ('0' = from the start), then new
   * ones as they come, ending after a final status (or when `signal` aborts). Undefined for a run
   * that is not the caller's. `reader` must be a dedicated connection: it blocks.
   */
  async follow(runId: string, afterId: string, reader: Redis, signal: AbortSignal): Promise<AsyncIterable<StoredRunEvent> | undefined> {
    const owner = this.tenant.get() ?? {};
    const record = await this.registry.get(owner, runId);
    if (!record) return undefined;
    const events = this.events;
    return (async function* () {
      let after = afterId;
      let first = true;
      while (!signal.aborted) {
        const batch = await events.read(owner, runId, after, first ? 0 : 1_000, reader).catch(() => []);
        if (first && !batch.length && after === '0' && FINAL_STATUSES.has(record.status)) {
          // The log has expired but the run record has not: end with what the record says.
          yield { id: '0-1', event: { type: 'status', status: record.status, reply: record.reply, error: record.error } };
          return;
        }
        first = false;
        for (const e of batch) {
          yield e;
          after = e.id;
          if (e.event.type === 'status' && FINAL_STATUSES.has(e.event.status)) return;
        }
      }
    })();
  }

  private jobOptions(jobId: string, opts: EnqueueOptions) {
    const retention = Math.ceil((this.options.retentionMs ?? 86_400_000) / 1000);
    return {
      jobId,
      attempts: this.options.attempts ?? 3,
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? 1_000 },
      priority: opts.priority,
      delay: opts.delay,
      removeOnComplete: { age: retention },
      removeOnFail: { age: retention },
    };
  }

  /** The caller's run, or undefined (unknown and foreign runs look the same). */
  get(runId: string): Promise<RunRecord | undefined> {
    return this.registry.get(this.tenant.get() ?? {}, runId);
  }
}
