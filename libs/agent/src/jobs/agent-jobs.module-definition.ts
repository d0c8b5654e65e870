import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { AgentJobsOptions } from './agent-run.job.js';

/**
 * The queue's Redis, as BullMQ calls it: a URL or ioredis options (the module opens and closes its
 * connections), or the app's own clients (they stay the app's to close; `queueConnection` needs
 * `maxRetriesPerRequest: null`, as BullMQ blocks on it).
 */
export type AgentJobsConnection = string | RedisOptions | { client: Redis | Cluster; queueConnection: Redis | Cluster };

/** What the worker does when the app shuts down. */
export interface AgentJobsShutdown {
  /** Let active runs finish (up to `graceMs`) before the worker closes; false closes at once, leaving them to another worker once their locks expire; @default true */
  drain?: boolean;
  /** How long active runs may take to finish; @default 30000 */
  graceMs?: number;
}

/** What `AgentJobsModule.forRoot` (or the async factory) is given: the queue's Redis, the worker, and how runs are retried and limited. */
export interface AgentJobsModuleOptions extends AgentJobsOptions {
  /** The Redis of the queue, run registry and run events; required unless `configKey` names a BullModule.forRoot configuration. */
  connection?: AgentJobsConnection;
  /** Prefix of every key; @default 'agentnest:' */
  prefix?: string;
  /** Run queued jobs in this process; false for an API that only queues; @default true */
  worker?: boolean;
  /** A worker's lock on a job; a job whose worker died is taken over once it expires (also the stalled-check interval); @default 30000 */
  lockMs?: number;
  /** The worker on app shutdown: it stops taking jobs, drains active runs for up to `graceMs`, then closes. */
  shutdown?: AgentJobsShutdown;
}

/**
 * Settings Nest needs while it builds the module graph, before any options factory runs: they
 * decide which providers exist and where they are visible, so they cannot come from the factory.
 */
export interface AgentJobsModuleExtras {
  /** Make AgentJobs injectable everywhere without importing the module again; @default false */
  isGlobal?: boolean;
  /**
   * Reuse the connection of `BullModule.forRoot(configKey, { connection })` (use 'default' for a
   * configuration registered without a key), as BullModule.registerQueue does; the queue keeps
   * AgentNest's own key prefix (hash-tagged for Redis Cluster). `connection` is then not needed.
   */
  configKey?: string;
}

export const {
  ConfigurableModuleClass: AgentJobsConfigurableModule,
  /** The injection token of the resolved AgentJobsModuleOptions (read them in your own providers). */
  MODULE_OPTIONS_TOKEN: AGENT_JOBS_OPTIONS,
  OPTIONS_TYPE: AGENT_JOBS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AGENT_JOBS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AgentJobsModuleOptions>({ moduleName: 'AgentJobs' })
  .setClassMethodName('forRoot')
  .setExtras<AgentJobsModuleExtras>({ isGlobal: false }, (definition) => definition)
  .build();
