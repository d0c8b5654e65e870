import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { CircuitOpenError, ProviderError, RateLimitedError } from '@agentnest/providers';
import { GuardrailTrippedError, RunAbortedError } from '../../agent.errors.js';
import { isStoreUnavailable, publicError } from '../../errors/public-error.js';
import type { RunResult } from '../../agent.types.js';
import type { RequestIdentity } from '../../context/request-identity.js';
import { ModuleRef } from '@nestjs/core';
import { AgentService } from '../../nest/agent.service.js';
import { findAgentService } from '../find-agent-service.js';
import { AGENT_RUNS_QUEUE } from '../agent-jobs.constants.js';
import { AGENT_JOBS_OPTIONS } from '../agent-jobs.module-definition.js';
import type { AgentJobsOptions, AgentRunJob } from '../agent-run.job.js';
import { noopJobTracer } from '../../tracing/job-tracer.js';
import { RunEvents, type RunStreamEvent, type RunStreamRecorder } from '../streams/run-events.js';
import { ApprovalRegistry } from '../approvals/approval-registry.js';
import { ApprovalFlow } from '../approvals/approval-flow.js';
import type { ApprovalPauseData } from '../../tools/approval.js';
import { RunRegistry, RunStateError, type RunPatch, type RunStatus } from '../runs/run-registry.js';
import { RunClaim } from './run-claim.js';
import { TenantRunQuota } from '../runs/tenant-run-quota.js';

/** Failures worth another attempt (5xx, timeouts, network; outages wait instead); anything else (bad input, policy, bugs) fails the run at once. */
function retryable(err: unknown): boolean {
  return err instanceof ProviderError && err.retryable && !outage(err);
}

/**
 * The provider says "not now" (open circuit, spent budget, overload), or Redis or PostgreSQL cannot
 * be reached (a failover, a restart): wait as long as it asks, without spending an attempt. A retried
 * run writes its turn once (the memory append is keyed by its runId).
 */
function outage(err: unknown): err is { retryAfterMs?: number } {
  return err instanceof CircuitOpenError || err instanceof RateLimitedError || (err instanceof ProviderError && (err.code === 'overloaded' || err.code === 'rate_limited')) || isStoreUnavailable(err);
}

/** @default 10 minutes of outage before a queued run fails */
const DEFAULT_OUTAGE_MAX_MS = 600_000;
/** Bounds on one wait: at least a quarter second, at most a minute, whatever retry-after says. */
const MIN_WAIT_MS = 250;
const MAX_WAIT_MS = 60_000;

const now = () => new Date().toISOString();

/** A failed job's payload as BullMQ keeps it: the ids, not the caller's words. */
function blankedPayload(d: AgentRunJob): AgentRunJob {
  const { message: _message, answer: _answer, outputSchema: _schema, decision, ...ids } = d;
  return { ...ids, message: '', ...(decision ? { decision: { decision: decision.decision, approver: decision.approver } } : {}) };
}

type Continuation = Awaited<ReturnType<RunRegistry['continuation']>>;

/** Runs queued agent runs (and continuations of paused ones) as the tenant that queued them, recording each outcome. */
@Processor(AGENT_RUNS_QUEUE)
export class AgentRunProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('AgentRunProcessor');
  /** Runs executing in this process, so a cancel request can abort them. */
  private readonly running = new Map<string, AbortController>();
  private stopListening?: () => Promise<void>;

  private agentService?: AgentService;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly registry: RunRegistry,
    private readonly events: RunEvents,
    private readonly approvals: ApprovalRegistry,
    private readonly flow: ApprovalFlow,
    private readonly quota: TenantRunQuota,
    @Inject(AGENT_JOBS_OPTIONS) private readonly options: AgentJobsOptions,
  ) {
    super();
  }

  /** AgentService of whichever module imports AgentModule (it need not be global). */
  private get agents(): AgentService {
    return (this.agentService ??= findAgentService(this.moduleRef));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.concurrency = this.options.concurrency ?? 4;
    // Connection trouble is logged once by the app's Redis connection; BullMQ would print each retry.
    this.worker.on('error', () => undefined);
    // A job whose workers died mid-run more often than maxStalledCount is failed by BullMQ without
    // reaching process(): its run would say running for ever, hold its tenant's slot and keep the message.
    this.worker.on('failed', (job) => {
      if (job?.deferredFailure && !job.data.expireApproval) void this.lost(job).catch(() => undefined);
    });
    this.stopListening = await this.registry.onCancel((runId) => this.running.get(runId)?.abort(new Error('cancelled')));
  }

  /** Ends the run of a job BullMQ gave up on (its workers kept dying): failed, its slot back, its payload blanked. */
  private async lost(job: Job<AgentRunJob>): Promise<void> {
    const d = job.data;
    const owner = { tenant: d.tenant, principal: d.principal };
    const error = { code: 'worker_lost', message: 'the workers running this run stopped mid-run too often; it was not started again' };
    this.logger.warn(`run ${d.runId} failed: worker_lost (${job.deferredFailure})`);
    await this.registry.transition(owner, d.runId, ['queued', 'running'], 'failed', { error, finishedAt: now() }, { events: [{ type: 'status', status: 'failed', error }] }).catch(() => undefined);
    await Promise.all([this.quota.release(owner, [d.runId]), job.updateData(blankedPayload(d))]);
  }

  /** Stops taking jobs and lets active runs finish while Redis and the stores are still open. */
  async beforeApplicationShutdown(): Promise<void> {
    // Take no new jobs; give active runs the grace period; then close without waiting for the rest.
    // Runs left behind are not aborted (that would record them cancelled): they stay running and
    // their locks expire for another worker, so a hung provider or flapping Redis cannot hold shutdown.
    await this.worker.pause(true);
    const deadline = Date.now() + (this.options.shutdownGraceMs ?? 30_000);
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (this.running.size > 0) this.logger.warn(`shutdown grace period over with ${this.running.size} run(s) active: leaving them to another worker`);
    await this.worker.close(this.running.size > 0);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopListening?.();
  }

  async process(job: Job<AgentRunJob>, token?: string): Promise<{ status: string }> {
    const d = job.data;
    if (d.expireApproval !== undefined) return this.expireApproval(job, token);
    const owner = { tenant: d.tenant, principal: d.principal };
    // A continuation links to the run it continues; its checkpoint comes in the same read.
    const continuation = d.answer !== undefined || d.decision ? await this.registry.continuation(owner, d.runId) : undefined;
    const tracer = this.options.tracer ?? noopJobTracer;
    const span = tracer.startJob({ runId: d.runId, agent: d.agent, trace: d.trace, jobId: job.id }, continuation?.trace);
    tracer.recordWait(Math.max(0, Date.now() - job.timestamp - (job.opts.delay ?? 0)) / 1000, d.agent);
    try {
      const outcome = await span.activate(() => this.processTraced(job, owner, continuation, span.traceparent(), token));
      span.end({ status: outcome.status });
      return outcome;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      span.end(err instanceof DelayedError ? { status: 'waiting_out_outage' } : { errorCode: typeof code === 'string' ? code : 'internal_error' });
      throw err;
    }
  }

  private async processTraced(job: Job<AgentRunJob>, owner: RequestIdentity, continuation: Continuation | undefined, trace: string | undefined, token: string | undefined): Promise<{ status: string }> {
    const d = job.data;
    // Registered before the run moves to running, so a cancel published from then on reaches it.
    const controller = new AbortController();
    this.running.set(d.runId, controller);
    try {
      return await this.runJob(job, owner, continuation, trace, controller, token);
    } finally {
      this.running.delete(d.runId);
    }
  }

  private async runJob(job: Job<AgentRunJob>, owner: RequestIdentity, continuation: Continuation | undefined, trace: string | undefined, controller: AbortController, token: string | undefined): Promise<{ status: string }> {
    const d = job.data;
    // A queued run starts; a 'running' one is a stalled job taken over from a dead worker (BullMQ
    // lets one worker hold a job at a time, so whoever holds it now owns it). Cancelled runs never run.
    // attemptsStarted counts takeovers of stalled jobs too (attemptsMade counts only failed attempts);
    // the run's attempts leave out the deliveries that followed an outage wait, which spend none.
    const deliveries = Math.max(job.attemptsStarted ?? 0, job.attemptsMade + 1);
    const attempts = Math.max(1, deliveries - (d.outageWaits ?? 0));
    const continues = d.answer !== undefined || !!d.decision;
    // The first job of a run leaves its trace, so a later continuation can link to it.
    const fields: RunPatch = { startedAt: now(), attempts, ...(continues ? { answered: null } : trace ? { trace } : {}) };
    const claim = new RunClaim(this.registry, owner, d.runId, fields, controller);
    // A fresh job claims its run with the stream's first write (see RunClaim); any other claims first,
    // in one script that also says whether a cancel came meanwhile (it then aborts the controller).
    const fresh = deliveries === 1 && !continues;
    const recorder = this.events.recorder(owner, d.runId, fresh ? { opening: claim.open } : {});
    if (!fresh) await claim.open([]);
    if (claim.refused) return { status: 'skipped' };
    if (controller.signal.aborted) {
      await this.mark(claim, 'cancelled', { finishedAt: now() }, { type: 'status', status: 'cancelled' }, recorder);
      return { status: 'cancelled' };
    }
    try {
      const result = await this.execute(d, continuation, controller.signal, job.id, recorder);
      const { usage } = result;
      if (result.status === 'paused') {
        const approval = (result.pauseData as { kind?: unknown }).kind === 'approval' ? (result.pauseData as ApprovalPauseData) : undefined;
        // The run's tool events land before the approval request that follows them.
        await recorder.flush();
        if (claim.refused) return { status: 'skipped' };
        // An approval is listed for the tenant's approvers; the run record points at it, so erasure removes it too.
        if (approval) await this.flow.request({ runId: d.runId, agent: d.agent, conversationId: d.conversationId }, { pauseData: approval, checkpoint: result.checkpoint });
        const link = approval ? this.flow.link(approval) : {};
        const toolCallId = result.checkpoint.body.pending.toolCallId;
        await this.mark(claim, 'paused', { pauseData: result.pauseData, checkpoint: result.checkpoint, usage, ...link }, { type: 'status', status: 'paused', pauseData: result.pauseData, usage, toolCallId }, recorder);
        return { status: 'paused' };
      }
      // A guardrail's tripwire ends the run: its own final status, with the error the sync endpoint answers.
      if (result.status === 'blocked') {
        const error = publicError(new GuardrailTrippedError(result.guardrail, result.stage, result.reason));
        await this.mark(claim, 'blocked', { error, answeredBy: result.answeredBy, usage, finishedAt: now() }, { type: 'status', status: 'blocked', error, usage }, recorder);
        return { status: 'blocked' };
      }
      // A run that spent its costBudget ends there: its own final status, not a failure to retry.
      const status = result.status === 'budget_exceeded' ? 'budget_exceeded' : 'completed';
      const output = result.status === 'completed' && result.outputTier ? { output: result.output, outputTier: result.outputTier } : {};
      const finish = result.status === 'completed' ? { finishReason: result.finishReason } : {};
      await this.mark(claim, status, { text: result.text, ...finish, answeredBy: result.answeredBy, ...output, usage, finishedAt: now(), error: null }, { type: 'status', status, text: result.text, ...finish, usage }, recorder);
      return { status };
    } catch (err) {
      if (controller.signal.aborted || err instanceof RunAbortedError) {
        await this.mark(claim, 'cancelled', { finishedAt: now() }, { type: 'status', status: 'cancelled' }, recorder).catch(() => undefined);
        return { status: 'cancelled' };
      }
      // The record and the stream get what the sync path would answer; details stay in the server log.
      const { code, message } = publicError(err);
      const error = { code, message };
      const raw = (err as { code?: unknown } | null)?.code;
      if (outage(err)) {
        // Wait out the outage: the job goes back to delayed for as long as the provider asks
        // (bounded), keeping its attempts, until the outage has lasted JOBS_OUTAGE_MAX_MS.
        const since = d.outageSince ?? Date.now();
        const left = (this.options.outageMaxMs ?? DEFAULT_OUTAGE_MAX_MS) - (Date.now() - since);
        if (left > 0) {
          const waitMs = Math.min(left, MAX_WAIT_MS, Math.max(MIN_WAIT_MS, err.retryAfterMs ?? this.options.backoffMs ?? 1_000));
          await this.mark(claim, 'queued', { error }, { type: 'status', status: 'queued', error }, recorder);
          await job.updateData({ ...d, outageSince: since, outageWaits: (d.outageWaits ?? 0) + 1 });
          await job.moveToDelayed(Date.now() + waitMs, token);
          throw new DelayedError();
        }
      }
      if (retryable(err) && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
        await this.mark(claim, 'queued', { error }, { type: 'status', status: 'queued', error }, recorder);
        throw err;
      }
      this.logger.warn(`run ${d.runId} failed: ${code} (${err instanceof Error ? err.name : typeof err}${typeof raw === 'string' && raw !== code ? ` ${raw}` : ''})`);
      await this.mark(claim, 'failed', { error, finishedAt: now() }, { type: 'status', status: 'failed', error }, recorder).catch(() => undefined);
      // BullMQ keeps a failed job until a later failure prunes it: its payload keeps the ids, not the caller's words.
      await job.updateData(blankedPayload(d)).catch(() => undefined);
      throw new UnrecoverableError(error.code);
    }
  }

  /** An approval's timer: still pending at its expiry, it is settled as denied and the run continues. */
  private async expireApproval(job: Job<AgentRunJob>, token: string | undefined): Promise<{ status: string }> {
    const d = job.data;
    const approval = await this.approvals.get(d.tenant, d.expireApproval!);
    if (approval?.status !== 'pending' || approval.runId !== d.runId) return { status: 'skipped' };
    // A timer that fires early (clock skew between instances) waits for the expiry itself.
    const left = Date.parse(approval.expiresAt) - Date.now();
    if (left > 0) {
      await job.moveToDelayed(Date.now() + left, token);
      throw new DelayedError();
    }
    try {
      return { status: (await this.flow.settle(approval, 'denied', undefined, 'the approval expired')) ? 'expired' : 'skipped' };
    } catch (err) {
      // Decided (or the run cancelled) meanwhile: nothing left to expire.
      if (err instanceof RunStateError) return { status: 'skipped' };
      throw err;
    }
  }

  /**
   * Moves the worker's run to `to` and tells its live stream, with the run's events not written yet,
   * in one round trip. A run that ends stops counting against its tenant's cap; a paused one still
   * counts (its continuation is never refused, so parking runs paused must not make room).
   */
  private async mark(claim: RunClaim, to: RunStatus, fields: RunPatch, event: RunStreamEvent, recorder: RunStreamRecorder): Promise<void> {
    const events = [...(await recorder.drain()), event];
    // Sent together: the release needs nothing from the finish (a slot freed a moment early is harmless).
    await Promise.all([claim.finish(to, fields, events), to === 'queued' || to === 'paused' ? undefined : this.quota.release(claim.owner, [claim.runId])]);
  }

  private async execute(d: AgentRunJob, continuation: Continuation | undefined, signal: AbortSignal, jobId: string | undefined, recorder: RunStreamRecorder): Promise<RunResult> {
    // The job's caller is passed as the run's identity: no request context is needed in a worker.
    const identity = { tenant: d.tenant, principal: d.principal, roles: d.roles };
    const call = { identity, signal, recorders: [recorder], stream: this.options.streamText ?? true, outputSchema: d.outputSchema ?? continuation?.outputSchema };
    if (d.decision) {
      const { approver, ...decision } = d.decision;
      // No approver: nobody decided before the approval expired.
      if (!approver) return await this.agents.expire(d.agent, continuation?.checkpoint, { ...call, attemptKey: jobId });
      return await this.agents.decide(d.agent, continuation?.checkpoint, decision, { ...call, approver, attemptKey: jobId });
    }
    if (d.answer === undefined) return await this.agents.run(d.agent, { ...call, message: d.message, conversationId: d.conversationId, newConversation: d.newConversation, runId: d.runId });
    // The job id names the attempt: a retried or taken-over continuation may use the checkpoint again, nobody else.
    return await this.agents.resume(d.agent, continuation?.checkpoint, d.answer, { ...call, attemptKey: jobId });
  }
}
