import { BullModule, Processor } from '@nestjs/bullmq';
import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AGENT_JOBS_OPTIONS, AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
import { AgentJobs } from './agent-jobs.service.js';
import type { AgentJobsOptions } from './agent-run.job.js';
import { AgentRunProcessor } from './agent-run.processor.js';
import { RunEvents } from './run-events.js';
import { RunStreamHub } from './run-stream-hub.js';
import { RunRegistry } from './run-registry.js';

export interface AgentJobsModuleConfig extends AgentJobsOptions {
  /** BullMQ's own connection (workers block on it, so it is not shared); maxRetriesPerRequest must be null. */
  connection: Redis;
  /** The app's shared connection, for the run registry. */
  redis: Redis;
  /** @default 'agentnest:' */
  prefix?: string;
}

export interface AgentJobsModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: Array<string | symbol | (abstract new (...args: never[]) => unknown)>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest passes the injected values, typed by the caller
  useFactory: (...args: any[]) => AgentJobsModuleConfig | Promise<AgentJobsModuleConfig>;
  /** Run the worker in this process (APP_ROLE worker or all); without it the module only queues. */
  worker: boolean;
  /**
   * How long a worker's lock on a job lasts; a job whose worker died is taken over once it expires
   * (also the stalled-check interval); @default 30000
   */
  lockMs?: number;
}

const CONFIG = Symbol('AGENT_JOBS_CONFIG');

/** Durable agent runs on BullMQ: `AgentJobs` to queue from controllers, and the worker when `worker` is set. Needs AgentModule with isGlobal. */
@Module({})
export class AgentJobsModule {
  static forRootAsync(options: AgentJobsModuleAsyncOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: CONFIG, inject: options.inject ?? [], useFactory: options.useFactory },
      { provide: AGENT_JOBS_OPTIONS, inject: [CONFIG], useFactory: (c: AgentJobsModuleConfig) => c },
      { provide: RunRegistry, inject: [CONFIG], useFactory: (c: AgentJobsModuleConfig) => new RunRegistry({ redis: c.redis, prefix: c.prefix }) },
      { provide: RunEvents, inject: [CONFIG], useFactory: (c: AgentJobsModuleConfig) => new RunEvents({ redis: c.redis, prefix: c.prefix }) },
      { provide: RunStreamHub, inject: [CONFIG], useFactory: (c: AgentJobsModuleConfig) => new RunStreamHub({ redis: c.redis }) },
      AgentJobs,
    ];
    if (options.worker) {
      // BullMQ reads worker options from the processor class's metadata, so each module gets its own subclass.
      class ConfiguredAgentRunProcessor extends AgentRunProcessor {}
      const lockDuration = options.lockMs ?? 30_000;
      Processor(AGENT_RUNS_QUEUE, { lockDuration, stalledInterval: lockDuration, maxStalledCount: 2 })(ConfiguredAgentRunProcessor);
      providers.push(ConfiguredAgentRunProcessor);
    }
    return {
      module: AgentJobsModule,
      imports: [
        ...(options.imports ?? []),
        BullModule.forRootAsync({
          imports: options.imports,
          inject: options.inject ?? [],
          useFactory: async (...args: unknown[]) => {
            const c = await options.useFactory(...args);
            return { connection: c.connection, prefix: `${c.prefix ?? 'agentnest:'}bull` };
          },
        }),
        BullModule.registerQueue({ name: AGENT_RUNS_QUEUE }),
      ],
      providers,
      exports: [AgentJobs, RunRegistry, RunEvents],
    };
  }
}
