import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { CircuitOpenError, ProviderError, RateLimitedError } from '@agentnest/providers';
import { RunAbortedError } from '../agent.errors.js';
import type { RunResult } from '../agent.types.js';
import { TenantContext } from '../context/tenant-context.js';
import { AgentService } from '../nest/agent.service.js';
import { AGENT_JOBS_OPTIONS, AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
import type { AgentJobsOptions, AgentRunJob } from './agent-run.job.js';
import { RunRegistry, RunStateError } from './run-registry.js';

/** Outage-type failures are worth another attempt; anything else (bad input, policy, bugs) fails the run at once. */
function retryable(err: unknown): boolean {
  return (err instanceof ProviderError && err.retryable) || err instanceof CircuitOpenError || err instanceof RateLimitedError;
}

const now = () => new Date().toISOString();

/** Runs queued agent runs (and continuations of paused ones) as the tenant that queued them, recording each outcome. */
@Processor(AGENT_RUNS_QUEUE)
export class AgentRunProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('AgentRunProcessor');
  /** Runs executing in this process, so a cancel request can abort them. */
  private readonly running = new Map<string, AbortController>();
  private stopListening?: () => Promise<void>;

  constructor(
    private readonly agents: AgentService,
    private readonly tenant: TenantContext,
    private readonly registry: RunRegistry,
    @Inject(AGENT_JOBS_OPTIONS) private readonly options: AgentJobsOptions,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.concurrency = this.options.concurrency ?? 4;
    this.stopListening = await this.registry.onCancel((runId) => this.running.get(runId)?.abort(new Error('cancelled')));
  }

  /** Stops taking jobs and lets active runs finish while Redis and the stores are still open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopListening?.();
  }

  async process(job: Job<AgentRunJob>): Promise<{ status: string }> {
    const d = job.data;
    const owner = { tenant: d.tenant, principal: d.principal };
    // A queued run starts; a 'running' one is a stalled job taken over from a dead worker (BullMQ
    // lets one worker hold a job at a time, so whoever holds it now owns it). Cancelled runs never run.
    // attemptsStarted counts takeovers of stalled jobs too (attemptsMade counts only failed attempts).
    const attempts = Math.max(job.attemptsStarted ?? 0, job.attemptsMade + 1);
    const started = await this.registry.transition(owner, d.runId, ['queued', 'running'], 'running', { startedAt: now(), attempts }).catch((e: unknown) => {
      if (e instanceof RunStateError) return undefined;
      throw e;
    });
    if (started === undefined) return { status: 'skipped' };
    if ((await this.registry.get(owner, d.runId))?.cancelRequested) {
      await this.registry.transition(owner, d.runId, ['running'], 'cancelled', { finishedAt: now() });
      return { status: 'cancelled' };
    }
    const controller = new AbortController();
    this.running.set(d.runId, controller);
    try {
      const result = await this.tenant.run(owner, () => this.execute(d, controller.signal));
      const usage = { inputTokens: result.usage.input, outputTokens: result.usage.output };
      if (result.status === 'paused') {
        await this.registry.transition(owner, d.runId, ['running'], 'paused', { pauseData: result.pauseData, checkpoint: result.checkpoint, usage });
        return { status: 'paused' };
      }
      await this.registry.transition(owner, d.runId, ['running'], 'completed', { reply: result.reply, usage, finishedAt: now(), error: null });
      return { status: 'completed' };
    } catch (err) {
      if (controller.signal.aborted || err instanceof RunAbortedError) {
        await this.registry.transition(owner, d.runId, ['running'], 'cancelled', { finishedAt: now() }).catch(() => undefined);
        return { status: 'cancelled' };
      }
      const code = (err as { code?: unknown }).code;
      const error = { code: typeof code === 'string' ? code : 'internal_error', message: err instanceof Error ? err.message : String(err) };
      if (retryable(err) && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
        await this.registry.transition(owner, d.runId, ['running'], 'queued', { error });
        throw err;
      }
      this.logger.warn(`run ${d.runId} failed (${error.code})`);
      await this.registry.transition(owner, d.runId, ['running'], 'failed', { error, finishedAt: now() }).catch(() => undefined);
      throw new UnrecoverableError(error.code);
    } finally {
      this.running.delete(d.runId);
    }
  }

  private async execute(d: AgentRunJob, signal: AbortSignal): Promise<RunResult> {
    if (d.answer === undefined) return this.agents.run(d.agent, { message: d.message, conversationId: d.conversationId, runId: d.runId, signal });
    const checkpoint = await this.registry.checkpoint({ tenant: d.tenant, principal: d.principal }, d.runId);
    return this.agents.resume(d.agent, checkpoint, d.answer, { signal });
  }
}
