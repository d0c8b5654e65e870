import { BullModule, getSharedConfigToken, Processor } from '@nestjs/bullmq';
import { Module, type DynamicModule, type FactoryProvider, type Provider } from '@nestjs/common';
import type { QueueOptions } from 'bullmq';
import { AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
import { AgentJobsConnections } from './agent-jobs.connections.js';
import { AgentJobsHealthIndicator } from './agent-jobs.health.js';
import { AGENT_JOBS_ASYNC_OPTIONS_TYPE, AGENT_JOBS_OPTIONS, AGENT_JOBS_OPTIONS_TYPE, AgentJobsConfigurableModule, type AgentJobsModuleExtras, type AgentJobsModuleOptions } from './agent-jobs.module-definition.js';
import { AgentJobs } from './agent-jobs.service.js';
import { AppAgents } from './app-agents.js';
import { ApprovalCommands } from './approvals/approval-commands.js';
import { ApprovalFlow } from './approvals/approval-flow.js';
import { ApprovalRegistry } from './approvals/approval-registry.js';
import { RunCommands } from './runs/run-commands.js';
import { RunRegistry } from './runs/run-registry.js';
import { TenantRunQuota } from './runs/tenant-run-quota.js';
import { RunEvents } from './streams/run-events.js';
import { RunFollows } from './streams/run-follows.js';
import { RunStreamHub } from './streams/run-stream-hub.js';
import { AgentChat } from './transport/chat/agent-chat.service.js';
import { AgentRunProcessor } from './worker/agent-run.processor.js';

/** Holds the options and connections once, for both this module and BullMQ's root module. */
@Module({})
class AgentJobsCoreModule {}

/** The BullMQ configuration of this module's queue, under its own key (an app's own BullModule.forRoot() stays untouched). */
const BULL_CONFIG_KEY = 'agentnest-jobs';

const opts = (o: AgentJobsModuleOptions) => ({ prefix: o.prefix });

/** Redis-backed stores of runs, events and approvals, on the module's fail-fast connection. */
const stores: Provider[] = [
  { provide: RunRegistry, inject: [AGENT_JOBS_OPTIONS, AgentJobsConnections], useFactory: (o: AgentJobsModuleOptions, c: AgentJobsConnections) => new RunRegistry({ redis: c.client, ...opts(o) }) },
  { provide: RunEvents, inject: [AGENT_JOBS_OPTIONS, AgentJobsConnections], useFactory: (o: AgentJobsModuleOptions, c: AgentJobsConnections) => new RunEvents({ redis: c.client, ...opts(o) }) },
  { provide: RunStreamHub, inject: [AgentJobsConnections], useFactory: (c: AgentJobsConnections) => new RunStreamHub({ redis: c.client }) },
  { provide: ApprovalRegistry, inject: [AGENT_JOBS_OPTIONS, AgentJobsConnections], useFactory: (o: AgentJobsModuleOptions, c: AgentJobsConnections) => new ApprovalRegistry({ redis: c.client, ...opts(o) }) },
  { provide: TenantRunQuota, inject: [AGENT_JOBS_OPTIONS, AgentJobsConnections], useFactory: (o: AgentJobsModuleOptions, c: AgentJobsConnections) => new TenantRunQuota(c.client, o.maxRunsPerTenant, o.prefix) },
];

type ProcessorDeps = ConstructorParameters<typeof AgentRunProcessor>;

/**
 * The worker, decided by the options (so `worker` and `lockMs` may come from the async factory):
 * BullMQ reads worker options from the processor class's metadata, so each module gets its own
 * subclass; without a worker the provider is null, which BullMQ's explorer skips.
 */
const worker: FactoryProvider = {
  provide: AgentRunProcessor,
  inject: [AppAgents, RunRegistry, RunEvents, ApprovalRegistry, ApprovalFlow, TenantRunQuota, AGENT_JOBS_OPTIONS],
  useFactory: (...deps: ProcessorDeps) => {
    const o = deps[6] as AgentJobsModuleOptions;
    if (o.worker === false) return null;
    class ConfiguredAgentRunProcessor extends AgentRunProcessor {}
    const lockDuration = o.lockMs ?? 30_000;
    Processor(AGENT_RUNS_QUEUE, { lockDuration, stalledInterval: lockDuration, maxStalledCount: 2 })(ConfiguredAgentRunProcessor);
    return new ConfiguredAgentRunProcessor(...deps);
  },
};

/**
 * Durable agent runs on BullMQ: `AgentJobs` to queue from your controllers, and the worker (unless
 * `worker: false`). `AgentJobsModule.forRoot({ connection: 'redis://…' })` or `forRootAsync({
 * useFactory, inject })`, where the factory may set every option; it finds AgentService wherever
 * AgentModule is imported (no need to make it global).
 */
@Module({})
export class AgentJobsModule extends AgentJobsConfigurableModule {
  /** Registers the queue and AgentJobs with options known up front. */
  static override forRoot(options: typeof AGENT_JOBS_OPTIONS_TYPE): DynamicModule {
    return AgentJobsModule.assemble(super.forRoot(options), options);
  }

  /** Registers the queue and AgentJobs with options from a factory (ConfigService, say); `isGlobal` and `configKey` stay outside it. */
  static override forRootAsync(options: typeof AGENT_JOBS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return AgentJobsModule.assemble(super.forRootAsync(options), options);
  }

  private static assemble(base: DynamicModule, extras: AgentJobsModuleExtras): DynamicModule {
    const core = AgentJobsModule.core(base, extras);
    return {
      module: AgentJobsModule,
      global: extras.isGlobal,
      imports: [
        core,
        BullModule.forRootAsync(BULL_CONFIG_KEY, {
          imports: [core],
          inject: [AGENT_JOBS_OPTIONS, AgentJobsConnections, ...(extras.configKey ? [getSharedConfigToken(extras.configKey)] : [])],
          // Hash-tagged: every key of a BullMQ queue must sit in one slot on a Redis Cluster (BullMQ requires it there).
          useFactory: (o: AgentJobsModuleOptions, c: AgentJobsConnections, shared?: QueueOptions) => ({ ...shared, connection: c.queue, prefix: `{${o.prefix ?? 'agentnest:'}bull}` }),
        }),
        BullModule.registerQueue({ name: AGENT_RUNS_QUEUE, configKey: BULL_CONFIG_KEY }),
      ],
      providers: [...stores, AppAgents, ApprovalFlow, RunCommands, RunFollows, ApprovalCommands, AgentJobs, AgentChat, AgentJobsHealthIndicator, worker],
      exports: [AgentJobs, AgentChat, AgentJobsHealthIndicator],
    };
  }

  /**
   * The options provider (the user's factory) lives in one inner module that both this module and
   * BullMQ import: Nest instantiates it once, so the factory runs once.
   */
  private static core(base: DynamicModule, extras: AgentJobsModuleExtras): DynamicModule {
    const { configKey } = extras;
    const connections: FactoryProvider = configKey
      ? { provide: AgentJobsConnections, inject: [AGENT_JOBS_OPTIONS, getSharedConfigToken(configKey)], useFactory: (o: AgentJobsModuleOptions, shared: QueueOptions) => (o.connection ? AgentJobsConnections.open(o.connection) : AgentJobsConnections.reuse(shared.connection, configKey)) }
      : { provide: AgentJobsConnections, inject: [AGENT_JOBS_OPTIONS], useFactory: (o: AgentJobsModuleOptions) => AgentJobsConnections.open(o.connection) };
    return { module: AgentJobsCoreModule, imports: base.imports, providers: [...(base.providers ?? []), connections], exports: [AGENT_JOBS_OPTIONS, AgentJobsConnections] };
  }
}
