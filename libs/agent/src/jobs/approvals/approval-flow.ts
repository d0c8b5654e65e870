import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { RequestIdentity } from '../../context/request-identity.js';
import type { Checkpoint } from '../../checkpoint/checkpoint.js';
import type { ApprovalPauseData } from '../../checkpoint/approval.js';
import { noopJobTracer } from '../../tracing/job-tracer.js';
import { AGENT_RUNS_QUEUE } from '../agent-jobs.constants.js';
import { AGENT_JOBS_OPTIONS } from '../agent-jobs.module-definition.js';
import type { AgentJobsOptions, AgentRunJob } from '../agent-run.job.js';
import { runJobOptions } from '../runs/job-options.js';
import { runReplicated } from '../redis/replicated.js';
import { ApprovalRegistry, type ApprovalRecord } from './approval-registry.js';
import { RunEvents } from '../streams/run-events.js';
import { RunRegistry } from '../runs/run-registry.js';
import { TenantRunQuota } from '../runs/tenant-run-quota.js';

/** The queued run an approval belongs to. */
export interface ApprovalRun {
  runId: string;
  agent: string;
  conversationId: string;
  /** The policy lets the caller who asked decide too. */
  selfApproval: boolean;
}

/**
 * The life of an approval around its run: listed for the approvers with its expiry scheduled when
 * the run pauses, then settled once (by an approver, or by the expiry as denied), which queues the
 * run's continuation as the caller who asked.
 */
@Injectable()
export class ApprovalFlow {
  constructor(
    @InjectQueue(AGENT_RUNS_QUEUE) private readonly queue: Queue<AgentRunJob>,
    private readonly registry: RunRegistry,
    private readonly events: RunEvents,
    private readonly approvals: ApprovalRegistry,
    private readonly quota: TenantRunQuota,
    @Inject(AGENT_JOBS_OPTIONS) private readonly options: AgentJobsOptions,
  ) {}

  /** The run record's link to its approval (erasure of the run follows it). */
  link(pause: ApprovalPauseData): { approval: string } {
    return { approval: this.approvals.key(pause.requestedBy.tenant, pause.approvalId) };
  }

  /**
   * Lists the approval the run paused for, schedules its expiry (which settles it as denied if nobody
   * decided), and tells the run's stream. Before the paused status: a stream that ends at the pause
   * has shown what it waits for.
   */
  async request(run: Omit<ApprovalRun, 'selfApproval'>, paused: { pauseData: ApprovalPauseData; checkpoint: Checkpoint }): Promise<void> {
    const pause = paused.pauseData;
    await this.approvals.create({ ...run, selfApproval: paused.checkpoint.body.pending.approval?.selfApproval ?? false }, pause);
    const { tenant, principal } = pause.requestedBy;
    await this.events.append(pause.requestedBy, run.runId, { type: 'approval.requested', approvalId: pause.approvalId, toolCallId: pause.toolCallId, tool: pause.tool, args: pause.args, expiresAt: pause.expiresAt });
    const expiry: AgentRunJob = { runId: run.runId, agent: run.agent, tenant, principal, conversationId: run.conversationId, message: '', expireApproval: pause.approvalId };
    const delay = Math.max(0, Date.parse(pause.expiresAt) - Date.now());
    await this.queue.add('expire', expiry, { jobId: `${run.runId}-x-${pause.approvalId}`, delay, attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: { age: 86_400 } });
  }

  /**
   * Settles a pending approval: `approver` decided it, or, without one, it expired. One decision wins
   * (RunStateError for the second); false when the approval or its run is gone. The continuation is
   * queued as the caller who asked.
   */
  async settle(approval: ApprovalRecord, status: 'approved' | 'denied', approver: RequestIdentity | undefined, reason?: string): Promise<boolean> {
    const tenant = approval.requestedBy.tenant;
    if (!(await this.approvals.decide(tenant, approval.approvalId, status, approver?.principal ?? '', reason))) return false;
    const owner = approval.requestedBy;
    const jobId = await this.registry.answer(owner, approval.runId);
    if (jobId === undefined) return false;
    await this.quota.enter(owner, approval.runId);
    const decision = status === 'approved' ? 'approve' : 'deny';
    await this.events.append(owner, approval.runId, { type: 'approval.decided', approvalId: approval.approvalId, toolCallId: approval.toolCallId, decision, ...(approver ? { by: approver.principal } : { expired: true }), ...(reason ? { reason } : {}) });
    await this.events.append(owner, approval.runId, { type: 'status', status: 'queued' });
    const job: AgentRunJob = {
      runId: approval.runId,
      agent: approval.agent,
      tenant: owner.tenant,
      principal: owner.principal,
      conversationId: approval.conversationId,
      message: '',
      decision: { decision, ...(reason ? { reason } : {}), ...(approver ? { approver: { tenant: approver.tenant, principal: approver.principal, roles: approver.roles ? [...approver.roles] : undefined } } : {}) },
      trace: (this.options.tracer ?? noopJobTracer).capture(),
    };
    await this.queue.add('decide', job, runJobOptions(this.options, jobId));
    await runReplicated(this.registry, owner, approval.runId, this.queue);
    return true;
  }
}
