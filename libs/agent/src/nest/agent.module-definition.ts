import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AgentModuleOptions } from './agent-module.options.js';

export const {
  ConfigurableModuleClass: AgentConfigurableModule,
  MODULE_OPTIONS_TOKEN: AGENT_MODULE_OPTIONS,
  OPTIONS_TYPE: AGENT_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AGENT_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AgentModuleOptions>({ moduleName: 'Agent' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
