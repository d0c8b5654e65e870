import { randomUUID } from 'node:crypto';
import { validateIdentity } from '@agentnest/memory';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { TenantContext } from '../context/tenant-context.js';
import type { RequestIdentity } from '../context/request-identity.js';
import { AgentError, ApprovalForbiddenError, CheckpointIdentityError, TenantRequiredError, TooManyStreamsError, UnknownAgentError } from '../agent.errors.js';
import type { ApprovalDecision, PausedResult } from '../agent.types.js';
import type { ApprovalPauseData } from '../tools/approval.js';
import { AgentService } from '../nest/agent.service.js';
import { findAgentService } from './find-agent-service.js';
import { AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
import { AGENT_JOBS_OPTIONS } from './agent-jobs.module-definition.js';
import type { AgentJobsOptions, AgentRunJob } from './agent-run.job.js';
import { compileUntrustedSchemaInTurn } from '../output/schema-turns.js';
import { noopJobTracer, type JobTracer } from '../tracing/job-tracer.js';
import { FINAL_STATUSES, isFinal, RunEvents, type StoredRunEvent } from './streams/run-events.js';
import { RunStreamHub } from './streams/run-stream-hub.js';
import { ApprovalRegistry, type ApprovalRecord } from './approvals/approval-registry.js';
import { ApprovalFlow } from './approvals/approval-flow.js';
import { runJobOptions } from './runs/job-options.js';
import { runReplicated } from './redis/replicated.js';
import { decideRefusal, visible } from './approvals/approval-access.js';
import { compareStreamIds, InvalidLastEventIdError, parseStreamId } from './streams/stream-id.js';
import { RunRegistry, RunStateError, type RunRecord } from './runs/run-registry.js';
import { isRunId, RunNotFoundError } from './runs/run-not-found.error.js';
import { TenantRunQuota } from './runs/tenant-run-quota.js';
import { followLive } from './streams/follow-live.js';

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

/** A run's live events for one client. */
export interface RunFollow {
  /** The client already has the final event: nothing will follow. */
  upToDate: boolean;
  events: AsyncIterable<StoredRunEvent>;
}

async function* single(event?: StoredRunEvent): AsyncGenerator<StoredRunEvent> {
  if (event) yield event;
}

/** Queues agent runs for the workers, as the caller in the request context. */
@Injectable()
export class AgentJobs implements OnModuleInit {
  /** Live event streams per tenant in this process. */
  private readonly openStreams = new Map<string, number>();
  private readonly tracer: JobTracer;
  private agentService?: AgentService;

  constructor(
    @InjectQueue(AGENT_RUNS_QUEUE) private readonly queue: Queue<AgentRunJob>,
    private readonly registry: RunRegistry,
    private readonly events: RunEvents,
    private readonly hub: RunStreamHub,
    private readonly approvals: ApprovalRegistry,
    private readonly flow: ApprovalFlow,
    private readonly quota: TenantRunQuota,
    private readonly moduleRef: ModuleRef,
    private readonly tenant: TenantContext,
    @Inject(AGENT_JOBS_OPTIONS) private readonly options: AgentJobsOptions,
  ) {
    // Without a listener BullMQ prints every reconnection failure; the app's Redis connection logs them once.
    this.queue.on('error', () => undefined);
    this.tracer = options.tracer ?? noopJobTracer;
    this.tracer.observeDepth(AGENT_RUNS_QUEUE, async () => {
      const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed').catch(() => undefined);
      return counts ? Object.values(counts).reduce((a, b) => a + b, 0) : undefined;
    });
  }

  /** AgentService of whichever module imports AgentModule (it need not be global). */
  private get agents(): AgentService {
    return (this.agentService ??= findAgentService(this.moduleRef));
  }

  /** The request's caller: every queued run, its events and its approvals belong to a tenant, so none is served without one. */
  private caller(): RequestIdentity {
    const caller = this.tenant.get();
    if (!caller?.tenant) throw new TenantRequiredError();
    return caller;
  }

  onModuleInit(): void {
    // Every erasure of the caller's data reaches their queued runs too.
    this.agents.registerEraser((owner, scope) => this.erase(owner, scope));
  }

  async enqueue(agent: string, input: { message: string; conversationId?: string; outputSchema?: Record<string, unknown> }, opts: EnqueueOptions = {}): Promise<{ runId: string; status: RunRecord['status']; existing: boolean }> {
    if (!this.agents.mayCall(agent)) throw new UnknownAgentError(agent);
    const owner = this.caller();
    const conversationId = input.conversationId ?? randomUUID();
    // The worker would refuse a bad identity; refusing it here makes it the caller's 400 instead of a failed run.
    validateIdentity({ tenant: owner.tenant, principal: owner.principal, conversationId });
    const runId = randomUUID();
    // A retry of a request that queued a run is answered with that run, at the cap or not.
    if (opts.idempotencyKey !== undefined) {
      const bound = await this.registry.idempotency.bound(owner, opts.idempotencyKey, { agent, input });
      if (bound) return this.existing(owner, bound);
    }
    // Counted before anything is compiled or written: a refused request costs one script, and two instances cannot both take the last slot.
    await this.quota.admit(owner, runId);
    let claimed = false;
    try {
      // A bad schema is the caller's 400 now, not a failed run later (the worker compiles it again, from cache when it can).
      if (input.outputSchema !== undefined) await compileUntrustedSchemaInTurn(input.outputSchema, owner.tenant);
      if (opts.idempotencyKey !== undefined) {
        const claim = await this.registry.idempotency.claim(owner, opts.idempotencyKey, { agent, input }, runId);
        if (claim.existing) {
          // Another request with the same key got there first: its run, and this slot back.
          await this.quota.release(owner, [runId]);
          return this.existing(owner, claim.runId);
        }
        claimed = true;
      }
      const job: AgentRunJob = {
        runId,
        agent,
        tenant: owner.tenant,
        principal: owner.principal,
        roles: owner.roles ? [...owner.roles] : undefined,
        conversationId,
        ...(input.conversationId === undefined ? { newConversation: true as const } : {}),
        message: input.message,
        ...(input.outputSchema !== undefined ? { outputSchema: input.outputSchema } : {}),
        trace: this.tracer.capture(opts.traceparent),
      };
      // The record, its indexes and its first event: one script, one round trip.
      await this.registry.create(owner, { runId, agent, conversationId }, { jobId: runId, idempotencyKey: claimed ? this.registry.idempotency.key(owner, opts.idempotencyKey!) : undefined, outputSchema: input.outputSchema }, { type: 'status', status: 'queued' });
      await this.queue.add('run', job, runJobOptions(this.options, runId, opts));
      await runReplicated(this.registry, owner, runId, this.queue);
    } catch (err) {
      // Nothing was queued: free the slot, and the key so the client's retry of this request is not stuck on a dead run.
      await this.quota.release(owner, [runId]).catch(() => undefined);
      if (claimed) await this.registry.idempotency.release(owner, opts.idempotencyKey!, runId).catch(() => undefined);
      throw err;
    }
    return { runId, status: 'queued', existing: false };
  }

  /** What an enqueue answers when its Idempotency-Key already queued a run. */
  private async existing(owner: RequestIdentity, runId: string): Promise<{ runId: string; status: RunRecord['status']; existing: true }> {
    const known = await this.registry.get(owner, runId);
    return { runId, status: known?.status ?? 'queued', existing: true };
  }

  /** Answers the caller's paused run: the continuation is queued; a second answer, or one after a cancel, is a RunStateError. */
  async resume(runId: string, answer: string): Promise<{ runId: string; status: RunRecord['status'] }> {
    const owner = this.caller();
    const record = await this.get(runId);
    // A call waiting for approval is decided by an approver, not answered by the caller: 409 here, not a continuation that could only fail.
    if ((record.pauseData as { kind?: unknown } | undefined)?.kind === 'approval') throw new RunStateError('awaiting_approval', 'answer');
    // Only as the caller may reach now: a role revoked since the pause cannot answer a denied agent's question.
    const { checkpoint } = record.status === 'paused' ? await this.registry.continuation(owner, runId) : {};
    if (checkpoint) this.agents.checkContinuation(record.agent, checkpoint, owner);
    // An answer a guardrail trips on is refused now (422), while the run still waits; the payload keeps it as given (the worker screens it again and restores placeholders).
    if (record.status === 'paused') await this.agents.screenAnswer(record.agent, answer, { tenant: owner.tenant, principal: owner.principal, conversationId: record.conversationId }, owner.roles);
    // One script is the lock: of an answer and a cancel (or two answers), exactly one leaves 'paused'.
    const jobId = await this.registry.answer(owner, runId);
    if (jobId === undefined) throw new RunNotFoundError();
    await this.quota.enter(owner, runId);
    await this.events.append(owner, runId, { type: 'status', status: 'queued' });
    const job: AgentRunJob = { runId, agent: record.agent, tenant: owner.tenant, principal: owner.principal, roles: owner.roles ? [...owner.roles] : undefined, conversationId: record.conversationId, message: '', answer, trace: this.tracer.capture() };
    await this.queue.add('resume', job, runJobOptions(this.options, jobId));
    await runReplicated(this.registry, owner, runId, this.queue);
    return { runId, status: 'queued' };
  }

  /**
   * Takes over a direct run that paused for an approval: it becomes a queued run of the caller (its
   * checkpoint kept server-side), its approval is listed for the approvers with its expiry
   * scheduled, and the decision continues it on a worker. Follow it like any queued run.
   */
  async adopt(agent: string, paused: PausedResult, opts: { outputSchema?: Record<string, unknown> } = {}): Promise<{ runId: string; status: 'paused' }> {
    const pause = paused.pauseData as ApprovalPauseData;
    if (pause?.kind !== 'approval') throw new AgentError('invalid_input', 'only a run paused for an approval can be adopted');
    const owner = this.caller();
    // Only the caller's own pause: a run paused as someone else cannot be listed under this caller.
    if (pause.requestedBy.tenant !== owner.tenant || pause.requestedBy.principal !== owner.principal) throw new CheckpointIdentityError();
    const run = { runId: paused.runId, agent, conversationId: paused.conversationId };
    const { usage } = paused;
    // Counted like any paused run, and refused at the cap: its approval's decision would queue a run that is never refused.
    // Nothing of it ran yet (the call waits for the approval); the caller is told 429 and may ask again.
    await this.quota.admit(owner, paused.runId);
    try {
      await this.registry.create(owner, run, { jobId: paused.runId, outputSchema: opts.outputSchema, paused: { pauseData: pause, checkpoint: paused.checkpoint, usage, ...this.flow.link(pause) } });
    } catch (err) {
      await this.quota.release(owner, [paused.runId]).catch(() => undefined);
      throw err;
    }
    await this.flow.request(run, { pauseData: pause, checkpoint: paused.checkpoint });
    await this.events.append(owner, paused.runId, { type: 'status', status: 'paused', pauseData: pause, usage, toolCallId: pause.toolCallId });
    return { runId: paused.runId, status: 'paused' };
  }

  /** The caller's most recent runs (queued, and direct ones that paused for an approval), newest first. */
  async list(limit = 20): Promise<RunRecord[]> {
    return this.registry.list(this.caller(), Math.min(Math.max(1, Math.trunc(limit)), 100));
  }

  /**
   * Cancels the caller's run: a queued or paused run ends 'cancelled' at once (its job removed); a
   * running one is told to abort, through its AbortSignal, on whichever worker runs it. A run whose
   * answer was accepted cannot be cancelled until its continuation runs (the answer already won).
   */
  async cancel(runId: string): Promise<{ runId: string; status: RunRecord['status']; cancelRequested?: boolean }> {
    const owner = this.caller();
    const target = isRunId(runId) ? await this.registry.cancelTarget(owner, runId) : undefined;
    if (!target) throw new RunNotFoundError();
    // The job goes first: BullMQ removes a waiting one atomically and refuses one a worker holds. A
    // held job has started, even while its record still says queued (a fresh run claims itself with
    // its first write, see RunClaim), so it is told to abort like a running one.
    if (target.status === 'queued' && !target.answered && target.jobId && (await this.queue.remove(target.jobId)) === 0) return this.requestCancel(owner, runId);
    try {
      const previous = await this.registry.cancel(owner, runId);
      if (previous === undefined) throw new RunNotFoundError();
      await this.quota.release(owner, [runId]);
      // Its approval is settled too, so approvers no longer see it waiting (a decision racing the cancel loses either way).
      const pause = target.pauseData as ApprovalPauseData | undefined;
      if (previous === 'paused' && pause?.kind === 'approval') await this.approvals.decide(owner.tenant, pause.approvalId, 'denied', owner.principal ?? '', 'the run was cancelled').catch(() => undefined);
      await this.events.append(owner, runId, { type: 'status', status: 'cancelled' });
      return { runId, status: 'cancelled' };
    } catch (err) {
      if (!(err instanceof RunStateError) || err.status !== 'running') throw err;
      return this.requestCancel(owner, runId);
    }
  }

  /** Asks whichever worker runs the owner's run to abort it. */
  private async requestCancel(owner: RequestIdentity, runId: string): Promise<{ runId: string; status: 'running'; cancelRequested: true }> {
    // Recorded first, so a worker that claims the run later (a takeover after a crash, or a fresh run's first write) sees it too.
    await this.registry.update(owner, runId, { cancelRequested: true });
    await this.registry.requestCancel(runId);
    return { runId, status: 'running', cancelRequested: true };
  }

  /**
   * Erases the owner's queued runs (all, or one conversation's): records with replies and
   * checkpoints, event streams, idempotency records, and the BullMQ jobs' payloads. Running ones
   * are told to abort first, so they write nothing more. Returns how many runs were erased.
   */
  async erase(owner: RequestIdentity, scope: { conversationId?: string }): Promise<number> {
    const erased = await this.registry.erase(owner, scope);
    await this.quota.release(owner, erased.map((run) => run.runId));
    await Promise.all(
      erased.map(async (run) => {
        // A queued run's job may be held by a worker already (a fresh run claims itself with its first write).
        if (run.status === 'running' || run.status === 'queued') await this.registry.requestCancel(run.runId);
        for (const jobId of run.jobIds) await this.dropJob(jobId);
      }),
    );
    return erased.length;
  }

  /** Removes a job with its payload; an active (locked) job cannot be removed, so its payload is blanked instead. */
  private async dropJob(jobId: string): Promise<void> {
    const job = await this.queue.getJob(jobId);
    if (!job) return;
    try {
      await job.remove();
    } catch {
      const { message: _message, answer: _answer, outputSchema: _schema, ...ids } = job.data;
      await job.updateData({ ...ids, message: '' }).catch(() => undefined);
    }
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
    parseStreamId(afterId === '0' ? '0-0' : afterId);
    return this.followAs(this.caller(), runId, afterId, signal);
  }

  /**
   * The events of the run an approval belongs to, for whoever may see the approval (its approvers
   * watch what their decision led to); like follow() otherwise. Undefined for an approval the caller
   * may not see.
   */
  async followApproval(approvalId: string, afterId: string, signal: AbortSignal): Promise<RunFollow | undefined> {
    parseStreamId(afterId === '0' ? '0-0' : afterId);
    const approval = await this.getApproval(approvalId);
    return approval ? this.followAs(approval.requestedBy, approval.runId, afterId, signal) : undefined;
  }

  private async followAs(owner: RequestIdentity, runId: string, afterId: string, signal: AbortSignal): Promise<RunFollow | undefined> {
    const after = afterId === '0' ? '0-0' : afterId;
    const record = await this.registry.get(owner, runId);
    if (!record) return undefined;
    const final = FINAL_STATUSES.has(record.status);
    const last = final || after !== '0-0' ? await this.events.last(owner, runId) : undefined;
    // An id past the newest event was never sent: following from it would silently skip everything still to come.
    if (last && after !== '0-0' && compareStreamIds(after, last.id) > 0) throw new InvalidLastEventIdError();
    if (final) {
      // The log has expired but the record has not: the record's final status is the whole stream.
      if (!last) return after === '0-0' ? { upToDate: false, events: single({ id: '0-1', event: { type: 'status', status: record.status, text: record.text, error: record.error } }) } : { upToDate: true, events: single() };
      if (isFinal(last.event) && compareStreamIds(last.id, after) <= 0) return { upToDate: true, events: single() };
    }
    const tenantKey = owner.tenant ?? '';
    const open = this.openStreams.get(tenantKey) ?? 0;
    const max = this.options.maxStreamsPerTenant ?? 20;
    if (open >= max) throw new TooManyStreamsError(max);
    this.openStreams.set(tenantKey, open + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.openStreams.get(tenantKey) ?? 1) - 1;
      if (left > 0) this.openStreams.set(tenantKey, left);
      else this.openStreams.delete(tenantKey);
    };
    // The slot is freed when the stream ends or the client leaves, even if iteration never started.
    signal.addEventListener('abort', release, { once: true });
    return { upToDate: false, events: followLive({ events: this.events, hub: this.hub, registry: this.registry }, owner, runId, after, signal, release) };
  }


  /** The caller's tenant's approvals the caller may see: those they asked for, and those they may decide (newest first). */
  async listApprovals(status?: 'pending' | 'decided'): Promise<ApprovalRecord[]> {
    const caller = this.caller();
    const all = await this.approvals.list(caller.tenant);
    return all.filter((a) => visible(a, caller) && (status === undefined || (status === 'pending') === (a.status === 'pending')));
  }

  /** One approval, if the caller may see it (another tenant's reads like an unknown one). */
  async getApproval(approvalId: string): Promise<ApprovalRecord | undefined> {
    const caller = this.caller();
    const found = await this.approvals.get(caller.tenant, approvalId);
    return found && visible(found, caller) ? found : undefined;
  }

  /**
   * Decides an approval as the caller: approver role and separation of duties are checked here
   * (ApprovalForbiddenError) and again by the agent; one decision wins (RunStateError for the
   * second); the run's continuation is queued and runs as the caller who asked.
   */
  async decideApproval(approvalId: string, decision: ApprovalDecision): Promise<{ approvalId: string; runId: string; status: 'approved' | 'denied' } | undefined> {
    const caller = this.caller();
    const approval = await this.getApproval(approvalId);
    if (!approval) return undefined;
    const refusal = decideRefusal(approval, caller);
    if (refusal) throw new ApprovalForbiddenError(refusal);
    const expired = !(Date.now() < Date.parse(approval.expiresAt));
    const status = decision.decision === 'approve' && !expired ? 'approved' : 'denied';
    // Redacted before the approval, its events and the continuation's payload keep it; the run fences it when the model reads it.
    const reason = expired ? 'the approval expired' : decision.reason && (await this.agents.screenApprovalReason(approval.agent, decision.reason, { tenant: caller.tenant, principal: caller.principal, conversationId: approval.conversationId }, caller.roles));
    if (!(await this.flow.settle(approval, status, caller, reason))) return undefined;
    return { approvalId, runId: approval.runId, status };
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
    return this.registry.latest(this.caller(), conversationId);
  }

  /** The id of the caller's run's newest event ('0' when it has none): a follow() from it gets only what comes next. */
  async lastEventId(runId: string): Promise<string> {
    return (await this.events.last(this.caller(), runId))?.id ?? '0';
  }

  /** The tool call the caller's paused run waits on (from its pause event), if it is paused. */
  async pendingToolCall(runId: string): Promise<string | undefined> {
    const owner = this.caller();
    const recent = await this.events.read(owner, runId, '0');
    const pause = recent.reverse().find((e) => e.event.type === 'status' && e.event.status === 'paused');
    return pause?.event.type === 'status' ? pause.event.toolCallId : undefined;
  }

  /** The caller's run; RunNotFoundError for an unknown, malformed or foreign id (they look the same). */
  async get(runId: string): Promise<RunRecord> {
    const record = isRunId(runId) ? await this.registry.get(this.caller(), runId) : undefined;
    if (!record) throw new RunNotFoundError();
    return record;
  }
}
