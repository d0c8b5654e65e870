import type { ModuleRef } from '@nestjs/core';
import { AgentConfigError } from '../errors/agent.errors.js';
import { AgentService } from '../nest/agent.service.js';

/** The app's AgentService, found in whichever module imports AgentModule. */
export function findAgentService(moduleRef: ModuleRef): AgentService {
  try {
    return moduleRef.get(AgentService, { strict: false });
  } catch {
    throw new AgentConfigError('AgentJobsModule needs AgentModule: import AgentModule.forRoot(...) in your app');
  }
}
