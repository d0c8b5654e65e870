import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { PausedResult, RunResult } from '../../run/agent.types.js';
import type { RequestIdentity } from '../../context/request-identity.js';
import type { ApprovalPauseData } from '../../checkpoint/approval.js';
import { noopJobTracer } from '../../tracing/job-tracer.js';
import { AGENT_RUNS_QUEUE } from '../agent-jobs.constants.js';
import { AGENT_JOBS_OPTIONS, type AgentJobsModuleOptions } from '../agent-jobs.module-definition.js';
import type { AgentRunJob } from '../agent-run.job.js';
import { AppAgents } from '../app-agents.js';
import { ApprovalFlow } from '../approvals/approval-flow.js';
import { ApprovalRegistry } from '../approvals/approval-registry.js';
import { RunRegistry, RunStateError, type RunPatch } from '../runs/run-registry.js';
import { TenantRunQuota } from '../runs/tenant-run-quota.js';
import { RunEvents, type RunStreamRecorder } from '../streams/run-events.js';
import { RunClaim } from './run-claim.js';
import { cancelledOutcome, failureOutcome, resultOutcome, type RunOutcome } from './run-outcomes.js';

const now = () => new Date().toISOString();
const SKIPPED = { status: 'skipped' };

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

  constructor(
    private readonly agents: AppAgents,
    private readonly registry: RunRegistry,
    private readonly events: RunEvents,
    private readonly approvals: ApprovalRegistry,
    private readonly flow: ApprovalFlow,
    private readonly quota: TenantRunQuota,
    @Inject(AGENT_JOBS_OPTIONS) private readonly options: AgentJobsModuleOptions,
  ) {
    super();
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

  /**
   * Stops taking jobs and, with `shutdown.drain` (the default), lets active runs finish for up to
   * `shutdown.graceMs` while Redis and the stores are still open; then closes without waiting for
   * the rest. Runs left behind are not aborted (that would record them cancelled): they stay running
   * and their locks expire for another worker, so a hung provider or flapping Redis cannot hold shutdown.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.pause(true);
    const { drain = true, graceMs = 30_000 } = this.options.shutdown ?? {};
    const deadline = Date.now() + (drain ? graceMs : 0);
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (this.running.size > 0) this.logger.warn(`shutdown ${drain ? 'grace period over' : 'without draining'} with ${this.running.size} run(s) active: leaving them to another worker`);
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
    const { claim, recorder } = await this.claim(job, owner, trace, controller);
    if (claim.refused) return SKIPPED;
    if (controller.signal.aborted) return this.settle(job, token, claim, recorder, { ...cancelledOutcome(), tolerant: false });
    try {
      const result = await this.execute(d, continuation, controller.signal, job.id, recorder);
      const outcome = await this.outcomeOf(d, result, claim, recorder);
      // Recorded inside the try: a record that cannot be written (Redis away) is handled like the run's own failure.
      return outcome ? await this.settle(job, token, claim, recorder, outcome) : SKIPPED;
    } catch (err) {
      const outcome = failureOutcome(err, { aborted: controller.signal.aborted, outageSince: d.outageSince, attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1, outageMaxMs: this.options.outageMaxMs, backoffMs: this.options.backoffMs });
      if (outcome.next.kind === 'fail') this.logFailure(d.runId, err, outcome);
      return this.settle(job, token, claim, recorder, outcome, err);
    }
  }

  /**
   * Opens the worker's hold on the run. A queued run starts; a 'running' one is a stalled job taken
   * over from a dead worker (BullMQ lets one worker hold a job at a time, so whoever holds it now
   * owns it). Cancelled runs never run. attemptsStarted counts takeovers of stalled jobs too
   * (attemptsMade counts only failed attempts); the run's attempts leave out the deliveries that
   * followed an outage wait, which spend none.
   */
  private async claim(job: Job<AgentRunJob>, owner: RequestIdentity, trace: string | undefined, controller: AbortController): Promise<{ claim: RunClaim; recorder: RunStreamRecorder }> {
    const d = job.data;
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
    return { claim, recorder };
  }

  /** The outcome of a run that returned; undefined when its claim was refused meanwhile (it must write nothing). */
  private async outcomeOf(d: AgentRunJob, result: RunResult, claim: RunClaim, recorder: RunStreamRecorder): Promise<RunOutcome | undefined> {
    const outcome = resultOutcome(result);
    if (result.status !== 'paused') return outcome;
    // The run's tool events land before the approval request that follows them.
    await recorder.flush();
    if (claim.refused) return undefined;
    return { ...outcome, patch: { ...outcome.patch, ...(await this.requestApproval(d, result)) } };
  }

  /** An approval is listed for the tenant's approvers; the run record points at it (its link), so erasure removes it too. */
  private async requestApproval(d: AgentRunJob, result: PausedResult): Promise<RunPatch> {
    const approval = (result.pauseData as { kind?: unknown }).kind === 'approval' ? (result.pauseData as ApprovalPauseData) : undefined;
    if (!approval) return {};
    await this.flow.request({ runId: d.runId, agent: d.agent, conversationId: d.conversationId }, { pauseData: approval, checkpoint: result.checkpoint });
    return this.flow.link(approval);
  }

  /** Records the outcome (one `mark`), then does what it says with the job. */
  private async settle(job: Job<AgentRunJob>, token: string | undefined, claim: RunClaim, recorder: RunStreamRecorder, outcome: RunOutcome, err?: unknown): Promise<{ status: string }> {
    const marked = this.mark(claim, outcome, recorder);
    await (outcome.tolerant ? marked.catch(() => undefined) : marked);
    const { next } = outcome;
    if (next.kind === 'done') return { status: outcome.status };
    if (next.kind === 'wait') {
      const d = job.data;
      await job.updateData({ ...d, outageSince: next.since, outageWaits: (d.outageWaits ?? 0) + 1 });
      await job.moveToDelayed(Date.now() + next.waitMs, token);
      throw new DelayedError();
    }
    if (next.kind === 'retry') throw err;
    // BullMQ keeps a failed job until a later failure prunes it: its payload keeps the ids, not the caller's words.
    await job.updateData(blankedPayload(job.data)).catch(() => undefined);
    throw new UnrecoverableError((outcome.patch.error as { code: string }).code);
  }

  private logFailure(runId: string, err: unknown, outcome: RunOutcome): void {
    const code = (outcome.patch.error as { code: string }).code;
    const raw = (err as { code?: unknown } | null)?.code;
    this.logger.warn(`run ${runId} failed: ${code} (${err instanceof Error ? err.name : typeof err}${typeof raw === 'string' && raw !== code ? ` ${raw}` : ''})`);
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
   * Moves the worker's run to the outcome's status and tells its live stream, with the run's events
   * not written yet, in one round trip. A run that ends stops counting against its tenant's cap; a
   * paused or requeued one still counts (its continuation is never refused, so parking runs paused
   * must not make room).
   */
  private async mark(claim: RunClaim, outcome: RunOutcome, recorder: RunStreamRecorder): Promise<void> {
    const events = [...(await recorder.drain()), outcome.event];
    const to = outcome.status;
    // Sent together: the release needs nothing from the finish (a slot freed a moment early is harmless).
    await Promise.all([claim.finish(to, outcome.patch, events), to === 'queued' || to === 'paused' ? undefined : this.quota.release(claim.owner, [claim.runId])]);
  }

  private async execute(d: AgentRunJob, continuation: Continuation | undefined, signal: AbortSignal, jobId: string | undefined, recorder: RunStreamRecorder): Promise<RunResult> {
    // The job's caller is passed as the run's identity: no request context is needed in a worker.
    const identity = { tenant: d.tenant, principal: d.principal, roles: d.roles };
    const call = { identity, signal, recorders: [recorder], stream: this.options.streamText ?? true, outputSchema: d.outputSchema ?? continuation?.outputSchema };
    if (d.decision) {
      const { approver, ...decision } = d.decision;
      // No approver: nobody decided before the approval expired.
      if (!approver) return await this.agents.service.expire(d.agent, continuation?.checkpoint, { ...call, attemptKey: jobId });
      return await this.agents.service.decide(d.agent, continuation?.checkpoint, decision, { ...call, approver, attemptKey: jobId });
    }
    if (d.answer === undefined) return await this.agents.service.run(d.agent, { ...call, message: d.message, conversationId: d.conversationId, newConversation: d.newConversation, runId: d.runId });
    // The job id names the attempt: a retried or taken-over continuation may use the checkpoint again, nobody else.
    return await this.agents.service.resume(d.agent, continuation?.checkpoint, d.answer, { ...call, attemptKey: jobId });
  }
}
