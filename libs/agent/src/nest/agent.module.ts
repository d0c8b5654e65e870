import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { InMemoryStore } from '@agentnest/memory';
import { AgentContextModule } from './agent-context.module.js';
import { AGENT_MEMORY_STORE } from './agent.constants.js';
import type { AgentModuleOptions } from './agent-module.options.js';
import { AGENT_MODULE_OPTIONS, AgentConfigurableModule } from './agent.module-definition.js';
import { AgentToolExplorer } from './agent-tool.explorer.js';
import { AgentService } from './agent.service.js';

/**
 * Registers agents for injection: `AgentModule.forRoot({ agents, memory, requireTenant, checkpointSecret })`
 * or `forRootAsync({ useFactory, inject })`. Inject `AgentService` to run them; every HTTP request
 * gets its own request context (opened before any app middleware), where the app's auth puts the
 * caller's identity via `TenantContext`.
 */
@Module({
  imports: [DiscoveryModule, AgentContextModule],
  providers: [
    AgentService,
    AgentToolExplorer,
    { provide: AGENT_MEMORY_STORE, inject: [AGENT_MODULE_OPTIONS], useFactory: (o: AgentModuleOptions) => o.memory ?? new InMemoryStore() },
  ],
  exports: [AgentService, AGENT_MEMORY_STORE],
})
export class AgentModule extends AgentConfigurableModule {}
