import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { CircuitOpenError, ProviderError, RateLimitedError } from '@agentnest/providers';
import { TenantContext } from '../context/tenant-context.js';
import { AgentService } from '../nest/agent.service.js';
import { AGENT_JOBS_OPTIONS, AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
import type { AgentJobsOptions, AgentRunJob } from './agent-run.job.js';
import { RunRegistry } from './run-registry.js';

/** Outage-type failures are worth another attempt; anything else (bad input, policy, bugs) fails the run at once. */
function retryable(err: unknown): boolean {
  return (err instanceof ProviderError && err.retryable) || err instanceof CircuitOpenError || err instanceof RateLimitedError;
}

/** Runs queued agent runs as the tenant that queued them, and records how each one went. */
@Processor(AGENT_RUNS_QUEUE)
export class AgentRunProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('AgentRunProcessor');

  constructor(
    private readonly agents: AgentService,
    private readonly tenant: TenantContext,
    private readonly registry: RunRegistry,
    @Inject(AGENT_JOBS_OPTIONS) private readonly options: AgentJobsOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.options.concurrency ?? 4;
  }

  async process(job: Job<AgentRunJob>): Promise<{ status: string }> {
    const d = job.data;
    const owner = { tenant: d.tenant, principal: d.principal };
    await this.registry.update(owner, d.runId, { status: 'running', startedAt: new Date().toISOString(), attempts: job.attemptsMade + 1 });
    try {
      const result = await this.tenant.run(owner, () => this.agents.run(d.agent, { message: d.message, conversationId: d.conversationId, runId: d.runId }));
      const usage = { inputTokens: result.usage.input, outputTokens: result.usage.output };
      if (result.status === 'paused') {
        await this.registry.update(owner, d.runId, { status: 'paused', pauseData: result.pauseData, checkpoint: result.checkpoint, usage });
        return { status: 'paused' };
      }
      await this.registry.update(owner, d.runId, { status: 'completed', reply: result.reply, usage, finishedAt: new Date().toISOString(), error: null as never });
      return { status: 'completed' };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const error = { code: typeof code === 'string' ? code : 'internal_error', message: err instanceof Error ? err.message : String(err) };
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (retryable(err) && !last) {
        await this.registry.update(owner, d.runId, { status: 'queued', error });
        throw err;
      }
      this.logger.warn(`run ${d.runId} failed (${error.code})`);
      await this.registry.update(owner, d.runId, { status: 'failed', error, finishedAt: new Date().toISOString() });
      throw new UnrecoverableError(error.code);
    }
  }
}
