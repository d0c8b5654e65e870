import { Injectable } from '@nestjs/common';
import { healthResult } from '@agentnest/memory/nest';
import { AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
import { AgentJobs } from './agent-jobs.service.js';

/**
 * A `@nestjs/terminus` health indicator result, by shape: `HealthCheckService.check` takes it as it
 * takes its own indicators' (this library does not depend on terminus, so apps without it still load `/jobs`).
 */
export type QueueHealthResult<Key extends string> = Record<Key, { status: 'up' | 'down'; queue: string; message?: string }>;

/**
 * Health of the queue's Redis for `@nestjs/terminus`: up when BullMQ's connection answers within
 * the timeout. `this.health.check([() => this.queue.isHealthy('queue')])`; a down result fails the
 * check (503), as terminus' own indicators do.
 */
@Injectable()
export class AgentJobsHealthIndicator {
  constructor(private readonly jobs: AgentJobs) {}

  /** Pings the queue's Redis: `up` under `key` when it answers within `timeoutMs` (1 s unless given), else `down`. */
  async isHealthy<const Key extends string = 'queue'>(key: Key = 'queue' as Key, options: { timeoutMs?: number } = {}): Promise<QueueHealthResult<Key>> {
    const up = await this.jobs.ping(options.timeoutMs ?? 1_000);
    return healthResult(key, up, up ? { queue: AGENT_RUNS_QUEUE } : { queue: AGENT_RUNS_QUEUE, message: 'the queue did not answer in time' }) as QueueHealthResult<Key>;
  }
}
