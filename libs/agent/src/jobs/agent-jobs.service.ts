import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { TenantRequiredError } from '../errors/agent.errors.js';
import type { ApprovalDecision, PausedResult } from '../run/agent.types.js';
import type { RequestIdentity } from '../context/request-identity.js';
import { TenantContext } from '../context/tenant-context.js';
import { noopJobTracer } from '../tracing/job-tracer.js';
import { AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
import { AGENT_JOBS_OPTIONS } from './agent-jobs.module-definition.js';
import type { AgentJobsOptions, AgentRunJob } from './agent-run.job.js';
import { AppAgents } from './app-agents.js';
import { ApprovalCommands } from './approvals/approval-commands.js';
import type { ApprovalRecord } from './approvals/approval-registry.js';
import { RunCommands, type EnqueueInput, type EnqueueOptions, type EnqueueResult } from './runs/run-commands.js';
import type { RunRecord } from './runs/run-registry.js';
import { followStart, RunFollows, type RunFollow } from './streams/run-follows.js';

export type { EnqueueInput, EnqueueOptions, EnqueueResult } from './runs/run-commands.js';
export type { RunFollow } from './streams/run-follows.js';

/**
 * Queues agent runs for the workers, as the caller in the request context: every queued run, its
 * events and its approvals belong to a tenant, so none is served without one (TenantRequiredError).
 */
@Injectable()
export class AgentJobs implements OnModuleInit {
  /** @internal Nest builds the service: inject it. */
  constructor(
    @InjectQueue(AGENT_RUNS_QUEUE) private readonly queue: Queue<AgentRunJob>,
    private readonly runs: RunCommands,
    private readonly follows: RunFollows,
    private readonly approvals: ApprovalCommands,
    private readonly agents: AppAgents,
    private readonly tenant: TenantContext,
    @Inject(AGENT_JOBS_OPTIONS) options: AgentJobsOptions,
  ) {
    // Without a listener BullMQ prints every reconnection failure; the app's Redis connection logs them once.
    this.queue.on('error', () => undefined);
    (options.tracer ?? noopJobTracer).observeDepth(AGENT_RUNS_QUEUE, async () => {
      const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed').catch(() => undefined);
      return counts ? Object.values(counts).reduce((a, b) => a + b, 0) : undefined;
    });
  }

  /** The request's caller, refused without a tenant: the one way every method below learns who asks. */
  private caller(): RequestIdentity {
    const caller = this.tenant.get();
    if (!caller?.tenant) throw new TenantRequiredError();
    return caller;
  }

  /** Registers an eraser with AgentService, so erasing a caller's data removes their queued runs too. */
  onModuleInit(): void {
    // Every erasure of the caller's data reaches their queued runs too.
    this.agents.service.registerEraser((owner, scope) => this.erase(owner, scope));
  }

  /** Queues a run of `agent`; UnknownAgentError for an agent the app does not serve, TooManyRunsError at the tenant's cap. */
  async enqueue(agent: string, input: EnqueueInput, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    // The tenant first: without one, nothing about the app's agents is answered (not even which exist).
    const owner = this.caller();
    this.runs.checkAgent(agent);
    return this.runs.enqueue(owner, agent, input, opts);
  }

  /** Answers the caller's paused run: the continuation is queued; a second answer, or one after a cancel, is a RunStateError. */
  async resume(runId: string, answer: string): Promise<{ runId: string; status: RunRecord['status'] }> {
    return this.runs.resume(this.caller(), runId, answer);
  }

  /**
   * Takes over a direct run that paused for an approval: it becomes a queued run of the caller (its
   * checkpoint kept server-side), its approval is listed for the approvers with its expiry
   * scheduled, and the decision continues it on a worker. Follow it like any queued run.
   */
  async adopt(agent: string, paused: PausedResult, opts: { outputSchema?: Record<string, unknown> } = {}): Promise<{ runId: string; status: 'paused' }> {
    return this.runs.adopt(this.caller(), agent, paused, opts);
  }

  /** The caller's most recent runs (queued, and direct ones that paused for an approval), newest first. */
  async list(limit = 20): Promise<RunRecord[]> {
    return this.runs.list(this.caller(), limit);
  }

  /**
   * Cancels the caller's run: a queued or paused run ends 'cancelled' at once (its job removed); a
   * running one is told to abort, through its AbortSignal, on whichever worker runs it. A run whose
   * answer was accepted cannot be cancelled until its continuation runs (the answer already won).
   */
  async cancel(runId: string): Promise<{ runId: string; status: RunRecord['status']; cancelRequested?: boolean }> {
    return this.runs.cancel(this.caller(), runId);
  }

  /**
   * Erases the owner's queued runs (all, or one conversation's): records with replies and
   * checkpoints, event streams, idempotency records, and the BullMQ jobs' payloads. Running ones
   * are told to abort first, so they write nothing more. Returns how many runs were erased.
   */
  async erase(owner: RequestIdentity, scope: { conversationId?: string }): Promise<number> {
    return this.runs.erase(owner, scope);
  }

  /**
   * The caller's run as it happens: stored events after `afterId` ('0' = from the start), then new
   * ones as they come, ending after a final status or when `signal` aborts. Undefined for a run that
   * is not the caller's (checked before anything else is opened). `upToDate` means the caller already
   * has the final event and nothing will follow (SSE answers 204, which stops a browser's reconnects).
   * Throws InvalidLastEventIdError for an id this stream could not have sent, and TooManyStreamsError
   * past the per-tenant limit of live streams in this process.
   */
  async follow(runId: string, afterId: string, signal: AbortSignal): Promise<RunFollow | undefined> {
    const after = followStart(afterId);
    return this.follows.follow(this.caller(), runId, after, signal);
  }

  /**
   * The events of the run an approval belongs to, for whoever may see the approval (its approvers
   * watch what their decision led to); like follow() otherwise. Undefined for an approval the caller
   * may not see.
   */
  async followApproval(approvalId: string, afterId: string, signal: AbortSignal): Promise<RunFollow | undefined> {
    const after = followStart(afterId);
    const approval = await this.getApproval(approvalId);
    return approval ? this.follows.follow(approval.requestedBy, approval.runId, after, signal) : undefined;
  }

  /** The caller's tenant's approvals the caller may see: those they asked for, and those they may decide (newest first). */
  async listApprovals(status?: 'pending' | 'decided'): Promise<ApprovalRecord[]> {
    return this.approvals.list(this.caller(), status);
  }

  /** One approval, if the caller may see it (another tenant's reads like an unknown one). */
  async getApproval(approvalId: string): Promise<ApprovalRecord | undefined> {
    return this.approvals.get(this.caller(), approvalId);
  }

  /**
   * Decides an approval as the caller: approver role and separation of duties are checked here
   * (ApprovalForbiddenError) and again by the agent; one decision wins (RunStateError for the
   * second); the run's continuation is queued and runs as the caller who asked.
   */
  async decideApproval(approvalId: string, decision: ApprovalDecision): Promise<{ approvalId: string; runId: string; status: 'approved' | 'denied' } | undefined> {
    return this.approvals.decide(this.caller(), approvalId, decision);
  }

  /** True when the queue's Redis connection answers within `timeoutMs` (for health checks). */
  async ping(timeoutMs = 1_000): Promise<boolean> {
    const answered = this.queue.getJobCounts('waiting').then(
      () => true,
      () => false,
    );
    return Promise.race([answered, new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
  }

  /** The caller's newest run of a conversation (a chat's current turn), if any. */
  async latestRun(conversationId: string): Promise<RunRecord | undefined> {
    return this.runs.latest(this.caller(), conversationId);
  }

  /** The id of the caller's run's newest event ('0' when it has none): a follow() from it gets only what comes next. */
  async lastEventId(runId: string): Promise<string> {
    return this.runs.lastEventId(this.caller(), runId);
  }

  /** The tool call the caller's paused run waits on (from its pause event), if it is paused. */
  async pendingToolCall(runId: string): Promise<string | undefined> {
    return this.runs.pendingToolCall(this.caller(), runId);
  }

  /** The caller's run; RunNotFoundError for an unknown, malformed or foreign id (they look the same). */
  async get(runId: string): Promise<RunRecord> {
    return this.runs.get(this.caller(), runId);
  }
}
