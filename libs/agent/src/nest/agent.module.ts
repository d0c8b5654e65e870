import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { InMemoryStore } from '@agentnest/memory';
import { MEMORY_STORE } from '@agentnest/memory/nest';
import { AgentContextModule } from './agent-context.module.js';
import type { AgentModuleOptions } from './agent-module.options.js';
import { AGENT_MODULE_OPTIONS, AgentConfigurableModule } from './agent.module-definition.js';
import { AgentToolExplorer } from './agent-tool.explorer.js';
import { AgentFeatureExplorer } from './agent-feature.explorer.js';
import { AgentFeature, type AgentFeatureOptions } from './agent-feature.js';
import { AgentHandle } from './agent-handle.js';
import { getAgentToken } from './agent.token.js';
import { AgentService } from './agent.service.js';
import { AgentHealthIndicator } from './agent.health.js';

/** The module `forFeature` returns: only the feature's agents and their handles (AgentModule's own providers live once, in forRoot's). */
@Module({})
class AgentFeatureModule {}

/**
 * Registers agents for injection: `AgentModule.forRoot({ agents, memory, requireTenant, checkpointSecret })`
 * or `forRootAsync({ useFactory, inject })`, once in the app; feature modules add their own agents
 * with `AgentModule.forFeature({ agents })` and inject them with `@InjectAgent(name)`. Inject
 * `AgentService` to run any agent by name; every HTTP request gets its own request context (opened
 * before any app middleware), where the app's auth puts the caller's identity via `TenantContext`.
 *
 * The module provides and exports `MEMORY_STORE` (the token of `@agentnest/memory/nest`): the
 * `memory` option, or a new InMemoryStore. With MemoryModule in the app, pass its store as `memory`
 * (`inject: [MEMORY_STORE]`), so both name the same store. It also exports `AgentHealthIndicator`
 * for `@nestjs/terminus`.
 *
 * Every option can come from the `forRootAsync` factory but `isGlobal` (see the module definition).
 */
@Module({
  imports: [DiscoveryModule, AgentContextModule],
  providers: [
    AgentService,
    AgentToolExplorer,
    AgentFeatureExplorer,
    AgentHealthIndicator,
    { provide: MEMORY_STORE, inject: [AGENT_MODULE_OPTIONS], useFactory: (o: AgentModuleOptions) => o.memory ?? new InMemoryStore() },
  ],
  exports: [AgentService, AgentHealthIndicator, MEMORY_STORE],
})
export class AgentModule extends AgentConfigurableModule {
  /**
   * Adds `agents` to the app's registry (run them through AgentService or queued runs like any
   * other) and provides an `AgentHandle` for each under `getAgentToken(name)`, for `@InjectAgent(name)`.
   * The definitions use the forRoot module's provider and model when they name none. AgentModule
   * need not be global: AgentService is found wherever forRoot is imported.
   */
  static forFeature(options: AgentFeatureOptions): DynamicModule {
    const handles: Provider[] = Object.keys(options.agents).map((name) => ({
      provide: getAgentToken(name),
      inject: [ModuleRef],
      // Resolved on first call: the root module's AgentService may be built after this module.
      useFactory: (ref: ModuleRef) => new AgentHandle(name, () => ref.get(AgentService, { strict: false })),
    }));
    return {
      module: AgentFeatureModule,
      providers: [{ provide: AgentFeature, useValue: new AgentFeature(options.agents) }, ...handles],
      exports: handles,
    };
  }
}
