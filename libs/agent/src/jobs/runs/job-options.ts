import type { AgentJobsOptions } from '../agent-run.job.js';

/**
 * BullMQ options of a job that runs (or continues) an agent run: retries, backoff and retention from
 * the module options. A completed job is removed at once: the run registry keeps what it did, and
 * its payload (the caller's message as sent) has no use left; a failed one stays for inspection.
 */
export function runJobOptions(options: AgentJobsOptions, jobId: string, extra: { priority?: number; delay?: number } = {}) {
  const retention = Math.ceil((options.retentionMs ?? 86_400_000) / 1000);
  return {
    jobId,
    attempts: options.attempts ?? 3,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 1_000 },
    priority: extra.priority,
    delay: extra.delay,
    removeOnComplete: true,
    removeOnFail: { age: retention },
  };
}
