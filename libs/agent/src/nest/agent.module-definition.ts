import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AgentModuleOptions } from './agent-module.options.js';

/**
 * `isGlobal` is the one option outside the options object (so outside the async factory): Nest reads
 * a module's `global` flag when it scans the module graph, before any provider, factories
 * included, is built, so it can only be given to `forRoot`/`forRootAsync` directly.
 */
export const {
  ConfigurableModuleClass: AgentConfigurableModule,
  /** The injection token of the AgentModuleOptions given to `forRoot`/`forRootAsync` (read them in your own providers). */
  MODULE_OPTIONS_TOKEN: AGENT_MODULE_OPTIONS,
  OPTIONS_TYPE: AGENT_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AGENT_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AgentModuleOptions>({ moduleName: 'Agent' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
