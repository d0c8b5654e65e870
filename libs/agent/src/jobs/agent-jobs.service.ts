import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { TenantContext } from '../context/tenant-context.js';
import { TenantRequiredError, UnknownAgentError } from '../agent.errors.js';
import { AgentService } from '../nest/agent.service.js';
import { AGENT_JOBS_OPTIONS, AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
import type { AgentJobsOptions, AgentRunJob } from './agent-run.job.js';
import { RunRegistry, type RunRecord } from './run-registry.js';

export interface EnqueueOptions {
  /** Same key and same input within 24 h returns the same run; a different input is a conflict. */
  idempotencyKey?: string;
  /** Lower runs first (BullMQ priority); @default none */
  priority?: number;
  /** Milliseconds before the run may start. */
  delay?: number;
  traceparent?: string;
}

/** Queues agent runs for the workers, as the caller in the request context. */
@Injectable()
export class AgentJobs {
  constructor(
    @InjectQueue(AGENT_RUNS_QUEUE) private readonly queue: Queue<AgentRunJob>,
    private readonly registry: RunRegistry,
    private readonly agents: AgentService,
    private readonly tenant: TenantContext,
    @Inject(AGENT_JOBS_OPTIONS) private readonly options: AgentJobsOptions,
  ) {}

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
    await this.registry.create(owner, { runId, agent, conversationId });
    const job: AgentRunJob = { runId, agent, tenant: owner.tenant, principal: owner.principal, conversationId, message: input.message, traceparent: opts.traceparent };
    const retention = Math.ceil((this.options.retentionMs ?? 86_400_000) / 1000);
    await this.queue.add('run', job, {
      jobId: runId,
      attempts: this.options.attempts ?? 3,
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? 1_000 },
      priority: opts.priority,
      delay: opts.delay,
      removeOnComplete: { age: retention },
      removeOnFail: { age: retention },
    });
    return { runId, status: 'queued', existing: false };
  }

  /** The caller's run, or undefined (unknown and foreign runs look the same). */
  get(runId: string): Promise<RunRecord | undefined> {
    return this.registry.get(this.tenant.get() ?? {}, runId);
  }
}
