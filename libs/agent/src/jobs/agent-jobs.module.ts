import { BullModule, Processor } from '@nestjs/bullmq';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
import { AgentJobsConnections } from './agent-jobs.connections.js';
import { AGENT_JOBS_ASYNC_OPTIONS_TYPE, AGENT_JOBS_OPTIONS, AGENT_JOBS_OPTIONS_TYPE, AgentJobsConfigurableModule, type AgentJobsModuleExtras, type AgentJobsModuleOptions } from './agent-jobs.module-definition.js';
import { AgentJobs } from './agent-jobs.service.js';
import { AgentRunProcessor } from './worker/agent-run.processor.js';
import { RunEvents } from './streams/run-events.js';
import { RunRegistry } from './runs/run-registry.js';
import { RunStreamHub } from './streams/run-stream-hub.js';
import { ApprovalRegistry } from './approvals/approval-registry.js';
import { ApprovalFlow } from './approvals/approval-flow.js';
import { AgentChat } from './transport/chat/agent-chat.service.js';
import { TenantRunQuota } from './runs/tenant-run-quota.js';

/** Holds the options and connections once, for both this module and BullMQ's root module. */
@Module({})
class AgentJobsCoreModule {}

const opts = (o: AgentJobsModuleOptions) => ({ prefix: o.prefix });

/**
 * Durable agent runs on BullMQ: `AgentJobs` to queue from your controllers, and the worker (unless
 * `worker: false`). `AgentJobsModule.forRoot({ redis: 'redis://…' })` or `forRootAsync({ useFactory,
 * inject })`; it finds AgentService wherever AgentModule is imported (no need to make it global).
 */
@Module({})
export class AgentJobsModule extends AgentJobsConfigurableModule {
  static override forRoot(options: typeof AGENT_JOBS_OPTIONS_TYPE): DynamicModule {
    return AgentJobsModule.assemble(super.forRoot(options), options);
  }

  static override forRootAsync(options: typeof AGENT_JOBS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return AgentJobsModule.assemble(super.forRootAsync(options), options);
  }

  private static assemble(base: DynamicModule, extras: AgentJobsModuleExtras): DynamicModule {
    // The options provider (the user's factory) lives in one inner module that both this module and
    // BullMQ import: Nest instantiates it once, so the factory runs once.
    const core: DynamicModule = {
      module: AgentJobsCoreModule,
      imports: base.imports,
      providers: [...(base.providers ?? []), { provide: AgentJobsConnections, inject: [AGENT_JOBS_OPTIONS], useFactory: (o: AgentJobsModuleOptions) => AgentJobsConnections.open(o.redis) }],
      exports: [AGENT_JOBS_OPTIONS, AgentJobsConnections],
    };
    const providers: Provider[] = [
      { provide: RunRegistry, inject: [AGENT_JOBS_OPTIONS, AgentJobsConnections], useFactory: (o: AgentJobsModuleOptions, c: AgentJobsConnections) => new RunRegistry({ redis: c.client, ...opts(o) }) },
      { provide: RunEvents, inject: [AGENT_JOBS_OPTIONS, AgentJobsConnections], useFactory: (o: AgentJobsModuleOptions, c: AgentJobsConnections) => new RunEvents({ redis: c.client, ...opts(o) }) },
      { provide: RunStreamHub, inject: [AgentJobsConnections], useFactory: (c: AgentJobsConnections) => new RunStreamHub({ redis: c.client }) },
      { provide: ApprovalRegistry, inject: [AGENT_JOBS_OPTIONS, AgentJobsConnections], useFactory: (o: AgentJobsModuleOptions, c: AgentJobsConnections) => new ApprovalRegistry({ redis: c.client, ...opts(o) }) },
      { provide: TenantRunQuota, inject: [AGENT_JOBS_OPTIONS, AgentJobsConnections], useFactory: (o: AgentJobsModuleOptions, c: AgentJobsConnections) => new TenantRunQuota(c.client, o.maxRunsPerTenant, o.prefix) },
      ApprovalFlow,
      AgentJobs,
      AgentChat,
    ];
    if (extras.worker ?? true) {
      // BullMQ reads worker options from the processor class's metadata, so each module gets its own subclass.
      class ConfiguredAgentRunProcessor extends AgentRunProcessor {}
      const lockDuration = extras.lockMs ?? 30_000;
      Processor(AGENT_RUNS_QUEUE, { lockDuration, stalledInterval: lockDuration, maxStalledCount: 2 })(ConfiguredAgentRunProcessor);
      providers.push(ConfiguredAgentRunProcessor);
    }
    return {
      module: AgentJobsModule,
      global: extras.isGlobal,
      imports: [
        core,
        BullModule.forRootAsync({
          imports: [core],
          inject: [AGENT_JOBS_OPTIONS, AgentJobsConnections],
          // Hash-tagged: every key of a BullMQ queue must sit in one slot on a Redis Cluster (BullMQ requires it there).
          useFactory: (o: AgentJobsModuleOptions, c: AgentJobsConnections) => ({ connection: c.queue, prefix: `{${o.prefix ?? 'agentnest:'}bull}` }),
        }),
        BullModule.registerQueue({ name: AGENT_RUNS_QUEUE }),
      ],
      providers,
      exports: [AgentJobs, AgentChat, RunRegistry, RunEvents, ApprovalRegistry],
    };
  }
}
