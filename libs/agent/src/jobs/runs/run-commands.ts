import { randomUUID } from 'node:crypto';
import { validateIdentity } from '@agentnest/memory';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AgentError, CheckpointIdentityError, UnknownAgentError } from '../../errors/agent.errors.js';
import type { PausedResult } from '../../run/agent.types.js';
import type { RequestIdentity } from '../../context/request-identity.js';
import { compileUntrustedSchemaInTurn } from '../../output/schema-turns.js';
import type { ApprovalPauseData } from '../../checkpoint/approval.js';
import { noopJobTracer, type JobTracer } from '../../tracing/job-tracer.js';
import { AGENT_RUNS_QUEUE } from '../agent-jobs.constants.js';
import { AGENT_JOBS_OPTIONS } from '../agent-jobs.module-definition.js';
import type { AgentJobsOptions, AgentRunJob } from '../agent-run.job.js';
import { AppAgents } from '../app-agents.js';
import { ApprovalFlow } from '../approvals/approval-flow.js';
import { ApprovalRegistry } from '../approvals/approval-registry.js';
import { runReplicated } from '../redis/replicated.js';
import { RunEvents } from '../streams/run-events.js';
import { runJobOptions } from './job-options.js';
import { isRunId, RunNotFoundError } from './run-not-found.error.js';
import { RunRegistry, RunStateError, type RunRecord } from './run-registry.js';
import { TenantRunQuota } from './tenant-run-quota.js';

/** How a run is queued: deduplicated, prioritised, delayed, traced. */
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

/** What a queued run is asked to do. */
export interface EnqueueInput {
  /** The user's message. */
  message: string;
  /** The conversation to continue; @default a new random conversation id */
  conversationId?: string;
  /** The reply must be JSON valid against this JSON Schema (checked against the schema limits when queued). */
  outputSchema?: Record<string, unknown>;
}

/** The queued run: its id to follow or fetch it by, and its status now. */
export interface EnqueueResult {
  /** The run's id (an earlier run's, when `existing`). */
  runId: string;
  /** `queued` for a new run; an existing one's current status. */
  status: RunRecord['status'];
  /** The Idempotency-Key had queued this run already. */
  existing: boolean;
}

/** Queues, continues, adopts and reads runs as a given owner (AgentJobs says who, from the request). */
@Injectable()
export class RunCommands {
  private readonly tracer: JobTracer;

  constructor(
    @InjectQueue(AGENT_RUNS_QUEUE) private readonly queue: Queue<AgentRunJob>,
    private readonly registry: RunRegistry,
    private readonly events: RunEvents,
    private readonly approvals: ApprovalRegistry,
    private readonly flow: ApprovalFlow,
    private readonly quota: TenantRunQuota,
    private readonly agents: AppAgents,
    @Inject(AGENT_JOBS_OPTIONS) private readonly options: AgentJobsOptions,
  ) {
    this.tracer = options.tracer ?? noopJobTracer;
  }

  /** Refuses an agent the app does not serve (before anything else is checked). */
  checkAgent(agent: string): void {
    if (!this.agents.service.mayCall(agent)) throw new UnknownAgentError(agent);
  }

  async enqueue(owner: RequestIdentity, agent: string, input: EnqueueInput, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    const conversationId = input.conversationId ?? randomUUID();
    // The worker would refuse a bad identity; refusing it here makes it the caller's 400 instead of a failed run.
    validateIdentity({ tenant: owner.tenant, principal: owner.principal, conversationId });
    const runId = randomUUID();
    const body = { agent, input };
    // A retry of a request that queued a run is answered with that run, at the cap or not.
    if (opts.idempotencyKey !== undefined) {
      const bound = await this.registry.idempotency.bound(owner, opts.idempotencyKey, body);
      if (bound) return this.existing(owner, bound);
    }
    // Counted before anything is compiled or written: a refused request costs one script, and two instances cannot both take the last slot.
    await this.quota.admit(owner, runId);
    let claimed = false;
    try {
      // A bad schema is the caller's 400 now, not a failed run later (the worker compiles it again, from cache when it can).
      if (input.outputSchema !== undefined) await compileUntrustedSchemaInTurn(input.outputSchema, owner.tenant);
      if (opts.idempotencyKey !== undefined) {
        const claim = await this.registry.idempotency.claim(owner, opts.idempotencyKey, body, runId);
        if (claim.existing) {
          // Another request with the same key got there first: its run, and this slot back.
          await this.quota.release(owner, [runId]);
          return this.existing(owner, claim.runId);
        }
        claimed = true;
      }
      const job: AgentRunJob = { ...this.payload(owner, runId, agent, conversationId, opts.traceparent), ...(input.conversationId === undefined ? { newConversation: true as const } : {}), message: input.message, ...(input.outputSchema !== undefined ? { outputSchema: input.outputSchema } : {}) };
      // The record, its indexes and its first event: one script, one round trip.
      const idempotencyKey = claimed ? this.registry.idempotency.key(owner, opts.idempotencyKey!) : undefined;
      await this.registry.create(owner, { runId, agent, conversationId }, { jobId: runId, idempotencyKey, outputSchema: input.outputSchema }, { type: 'status', status: 'queued' });
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

  /** Who and what every job of a run carries; the worker re-enters the owner. */
  private payload(owner: RequestIdentity, runId: string, agent: string, conversationId: string, traceparent?: string): AgentRunJob {
    return { runId, agent, tenant: owner.tenant, principal: owner.principal, roles: owner.roles ? [...owner.roles] : undefined, conversationId, message: '', trace: this.tracer.capture(traceparent) };
  }

  /** What an enqueue answers when its Idempotency-Key already queued a run. */
  private async existing(owner: RequestIdentity, runId: string): Promise<EnqueueResult & { existing: true }> {
    const known = await this.registry.get(owner, runId);
    return { runId, status: known?.status ?? 'queued', existing: true };
  }

  /** Answers the owner's paused run: the continuation is queued; a second answer, or one after a cancel, is a RunStateError. */
  async resume(owner: RequestIdentity, runId: string, answer: string): Promise<{ runId: string; status: RunRecord['status'] }> {
    const record = await this.get(owner, runId);
    // A call waiting for approval is decided by an approver, not answered by the caller: 409 here, not a continuation that could only fail.
    if ((record.pauseData as { kind?: unknown } | undefined)?.kind === 'approval') throw new RunStateError('awaiting_approval', 'answer');
    const agents = this.agents.service;
    // Only as the caller may reach now: a role revoked since the pause cannot answer a denied agent's question.
    const { checkpoint } = record.status === 'paused' ? await this.registry.continuation(owner, runId) : {};
    if (checkpoint) agents.checkContinuation(record.agent, checkpoint, owner);
    // An answer a guardrail trips on is refused now (422), while the run still waits; the payload keeps it as given (the worker screens it again and restores placeholders).
    if (record.status === 'paused') await agents.screenAnswer(record.agent, answer, { tenant: owner.tenant, principal: owner.principal, conversationId: record.conversationId }, owner.roles);
    // One script is the lock: of an answer and a cancel (or two answers), exactly one leaves 'paused'.
    const jobId = await this.registry.answer(owner, runId);
    if (jobId === undefined) throw new RunNotFoundError();
    await this.quota.enter(owner, runId);
    await this.events.append(owner, runId, { type: 'status', status: 'queued' });
    await this.queue.add('resume', { ...this.payload(owner, runId, record.agent, record.conversationId), answer }, runJobOptions(this.options, jobId));
    await runReplicated(this.registry, owner, runId, this.queue);
    return { runId, status: 'queued' };
  }

  /** Takes over a direct run of the owner's that paused for an approval (see AgentJobs.adopt). */
  async adopt(owner: RequestIdentity, agent: string, paused: PausedResult, opts: { outputSchema?: Record<string, unknown> } = {}): Promise<{ runId: string; status: 'paused' }> {
    const pause = paused.pauseData as ApprovalPauseData;
    if (pause?.kind !== 'approval') throw new AgentError('invalid_input', 'only a run paused for an approval can be adopted');
    // Only the owner's own pause: a run paused as someone else cannot be listed under this owner.
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

  /** Cancels the owner's run (see AgentJobs.cancel). */
  async cancel(owner: RequestIdentity, runId: string): Promise<{ runId: string; status: RunRecord['status']; cancelRequested?: boolean }> {
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

  /** Erases the owner's queued runs (see AgentJobs.erase); returns how many were erased. */
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

  /** The owner's most recent runs, newest first (1 to 100). */
  list(owner: RequestIdentity, limit = 20): Promise<RunRecord[]> {
    return this.registry.list(owner, Math.min(Math.max(1, Math.trunc(limit)), 100));
  }

  /** The owner's run; RunNotFoundError for an unknown, malformed or foreign id (they look the same). */
  async get(owner: RequestIdentity, runId: string): Promise<RunRecord> {
    const record = isRunId(runId) ? await this.registry.get(owner, runId) : undefined;
    if (!record) throw new RunNotFoundError();
    return record;
  }

  /** The owner's newest run of a conversation (a chat's current turn), if any. */
  latest(owner: RequestIdentity, conversationId: string): Promise<RunRecord | undefined> {
    return this.registry.latest(owner, conversationId);
  }

  /** The id of the owner's run's newest event ('0' when it has none). */
  async lastEventId(owner: RequestIdentity, runId: string): Promise<string> {
    return (await this.events.last(owner, runId))?.id ?? '0';
  }

  /** The tool call the owner's paused run waits on (from its pause event), if it is paused. */
  async pendingToolCall(owner: RequestIdentity, runId: string): Promise<string | undefined> {
    const recent = await this.events.read(owner, runId, '0');
    const pause = recent.reverse().find((e) => e.event.type === 'status' && e.event.status === 'paused');
    return pause?.event.type === 'status' ? pause.event.toolCallId : undefined;
  }
}
