import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { InMemoryStore } from '@agentnest/memory';
import { RequestContext } from '../context/request-context.js';
import { RequestContextMiddleware } from '../context/request-context.middleware.js';
import { TenantContext } from '../context/tenant-context.js';
import { AGENT_MEMORY_STORE } from './agent.constants.js';
import type { AgentModuleOptions } from './agent-module.options.js';
import { AGENT_MODULE_OPTIONS, AgentConfigurableModule } from './agent.module-definition.js';
import { AgentToolExplorer } from './agent-tool.explorer.js';
import { AgentService } from './agent.service.js';

/**
 * Registers agents for injection: `AgentModule.forRoot({ agents, memory, requireTenant, checkpointSecret })`
 * or `forRootAsync({ useFactory, inject })`. Inject `AgentService` to run them; every HTTP request
 * gets its own request context, where an auth guard puts the caller's identity via `TenantContext`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    AgentService,
    AgentToolExplorer,
    RequestContext,
    TenantContext,
    { provide: AGENT_MEMORY_STORE, inject: [AGENT_MODULE_OPTIONS], useFactory: (o: AgentModuleOptions) => o.memory ?? new InMemoryStore() },
  ],
  exports: [AgentService, RequestContext, TenantContext, AGENT_MEMORY_STORE],
})
export class AgentModule extends AgentConfigurableModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
