import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { AgentJobsOptions } from './agent-run.job.js';

/** Where the queue's Redis is: a URL or ioredis options (the module opens and closes its connections), or the app's own clients. */
export type AgentJobsRedis = string | RedisOptions | { client: Redis | Cluster; queueConnection: Redis | Cluster };

export interface AgentJobsModuleOptions extends AgentJobsOptions {
  /** The Redis of the queue, run registry and run events. Given clients stay the app's to close; `queueConnection` needs `maxRetriesPerRequest: null` (BullMQ blocks on it). */
  redis: AgentJobsRedis;
  /** Prefix of every key; @default 'agentnest:' */
  prefix?: string;
}

/** Settings needed while the module is defined (before the options factory runs). */
export interface AgentJobsModuleExtras {
  /** Run queued jobs in this process; false for an API that only queues; @default true */
  worker?: boolean;
  /** A worker's lock on a job; a job whose worker died is taken over once it expires (also the stalled-check interval); @default 30000 */
  lockMs?: number;
  /** Make AgentJobs injectable everywhere without importing the module again; @default false */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: AgentJobsConfigurableModule,
  MODULE_OPTIONS_TOKEN: AGENT_JOBS_OPTIONS,
  OPTIONS_TYPE: AGENT_JOBS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AGENT_JOBS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AgentJobsModuleOptions>({ moduleName: 'AgentJobs' })
  .setClassMethodName('forRoot')
  .setExtras<AgentJobsModuleExtras>({ worker: true, lockMs: 30_000, isGlobal: false }, (definition) => definition)
  .build();
