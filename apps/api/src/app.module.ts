import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AgentJobsModule } from '@agentnest/agent/jobs';
import { AgentExceptionFilter, AgentModule, AgentService } from '@agentnest/agent/nest';
import { InMemoryCostLedger, mcpClient, RedisCheckpointLedger, RedisCostLedger } from '@agentnest/agent';
import { MemoryModule } from '@agentnest/memory/nest';
import { type MemoryAuditEvent } from '@agentnest/memory';
import { observeMcpServers, OTelRecorder, otelJobTracer } from '@agentnest/observability';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { hasRedis, type AppConfig } from './config/app-config.js';
import { ClockTools } from './demo/clock.tools.js';
import { RefundTools } from './demo/refund.tools.js';
import { InvoiceTools } from './demo/invoice.tools.js';
import { demoAgents } from './demo/demo-agents.js';
import { AgentsController } from './http/agents.controller.js';
import { ConversationsController } from './http/conversations.controller.js';
import { HealthController } from './http/health.controller.js';
import { JobsController } from './http/jobs.controller.js';
import { ApprovalsController } from './http/approvals.controller.js';
import { UsageController } from './http/usage.controller.js';
import { MemoryController } from './http/memory.controller.js';
import { MeController } from './http/me.controller.js';
import { ChatController } from './http/chat.controller.js';
import { ConsoleController } from './console/console.controller.js';
import type { Llm } from './llm/llm.factory.js';
import { LLM, LlmModule } from './llm/llm.module.js';
import { RedisConnection } from './redis/redis-connection.js';
import { RedisModule } from './redis/redis.module.js';

/** MEMORY_STORE as a store config: Redis reuses the service's one connection. */
function memoryOptions(app: AppConfig, redis: RedisConnection) {
  const audit = new Logger('MemoryAudit');
  const onAudit = (e: MemoryAuditEvent) => audit.warn(`refused a ${e.store} record to tenant ${JSON.stringify(e.requested.tenant ?? null)}`);
  // One tenant cannot grow a conversation without bound (AgentCore expires events by the resource's own setting).
  const caps = app.memoryCaps;
  switch (app.memoryStore) {
    case 'redis':
      return { type: 'redis' as const, redis: redis.client!, prefix: `${app.redisPrefix}mem:`, ...caps, onAudit };
    case 'postgres':
      return { type: 'postgres' as const, url: app.databaseUrl!, migrate: app.databaseMigrate, ...caps, onAudit };
    case 'agentcore':
      return { type: 'agentcore' as const, ...app.agentcore!, onAudit };
    default:
      return { type: 'memory' as const, ...caps, onAudit };
  }
}

@Module({ providers: [ClockTools, RefundTools, InvoiceTools], exports: [ClockTools, RefundTools, InvoiceTools] })
class DemoToolsModule {}

/** The reference service, built from an already validated config (see loadAppConfig). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    // Queued runs need Redis; without it the service runs agents synchronously only.
    const jobs = hasRedis(config)
      ? AgentJobsModule.forRootAsync({
          imports: [RedisModule],
          inject: [RedisConnection],
          // The service's own connections: shared with memory and the ledgers, closed by RedisConnection.
          useFactory: (redis: RedisConnection) => {
            const { shutdownGraceMs, ...jobs } = config.jobs;
            const tracer = config.telemetry ? { tracer: otelJobTracer() } : {};
            return { connection: { client: redis.client!, queueConnection: redis.queue() }, prefix: config.redisPrefix, worker: config.role !== 'api', shutdown: { drain: true, graceMs: shutdownGraceMs }, ...tracer, ...jobs };
          },
        })
      : undefined;
    return {
      module: AppModule,
      imports: [
        // Validated once by loadAppConfig; everything reads it back through ConfigService.
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ app: config })] }),
        TerminusModule,
        LlmModule,
        DemoToolsModule,
        RedisModule,
        MemoryModule.forRootAsync({
          isGlobal: true,
          imports: [RedisModule],
          inject: [ConfigService, RedisConnection],
          useFactory: (cs: ConfigService, redis: RedisConnection) => memoryOptions(cs.getOrThrow<AppConfig>('app'), redis),
        }),
        ...(jobs ? [jobs] : []),
        AgentModule.forRootAsync({
          imports: [RedisModule, LlmModule],
          // Conversations go to MemoryModule's store (global): AgentModule finds MEMORY_STORE itself.
          inject: [ConfigService, RedisConnection, LLM],
          useFactory: (cs: ConfigService, redis: RedisConnection, llm: Llm) => {
            const app = cs.getOrThrow<AppConfig>('app');
            const { tenantBudgets: budgets, holdLeaseMs: leaseMs } = app.cost;
            // Usage is always recorded; limits apply when tenant budgets are configured.
            const ledger = redis.client ? new RedisCostLedger({ redis: redis.client, budgets, prefix: app.redisPrefix, leaseMs }) : new InMemoryCostLedger(budgets, { leaseMs });
            // One OTel recorder for every run, when telemetry is on (without it, it would build spans nobody exports on every run).
            const recorders = app.telemetry ? [new OTelRecorder({ captureContent: app.telemetryCaptureContent })] : [];
            const agents = demoAgents(llm.provider, app.llm.primary.model, app.cost, app.toolPolicy, app.mcpServers.map((s) => s.name));
            const mcpServers = app.mcpServers.map((s) => mcpClient(s));
            // Checkpoints are single-use and revocable across every instance that shares Redis.
            const checkpointLedger = redis.client ? new RedisCheckpointLedger({ redis: redis.client, prefix: app.redisPrefix }) : undefined;
            return { agents, mcpServers, ledger, recorders, requireTenant: true, checkpointSecret: app.checkpointSecret, checkpointLedger, checkpointTtlMs: app.checkpointTtlMs, approvalTtlMs: app.approvalTtlMs, guardrails: app.guardrails, access: app.agentAccess };
          },
        }),
      ],
      controllers: [AgentsController, ConversationsController, MemoryController, UsageController, HealthController, MeController, ...(jobs ? [JobsController, ApprovalsController, ChatController, ConsoleController] : [])],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: AgentExceptionFilter },
        // MCP servers' state as metrics, read only when the metrics reader collects.
        ...(config.telemetry && config.mcpServers.length ? [{ provide: 'MCP_METRICS', inject: [AgentService], useFactory: (agents: AgentService) => (observeMcpServers(() => agents.mcpStatus()), true) }] : []),
      ],
    };
  }
}
