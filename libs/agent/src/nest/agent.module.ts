import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { AgentContextModule } from './agent-context.module.js';
import { AgentConfigurableModule } from './agent.module-definition.js';
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
 * Conversations go to the `memory` option, else to the app's `MEMORY_STORE` (MemoryModule's, when
 * global or imported through forRootAsync's `imports`), else to a new InMemoryStore: the memory
 * library's token is the one name of the store. The module also exports `AgentHealthIndicator`
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
  ],
  exports: [AgentService, AgentHealthIndicator],
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
