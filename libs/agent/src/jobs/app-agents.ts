import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AgentConfigError } from '../errors/agent.errors.js';
import { AgentService } from '../nest/agent.service.js';

/**
 * The app's AgentService, looked up once (on first use) in whichever module imports AgentModule.
 * Not injected: AgentModule is usually a sibling of AgentJobsModule and need not be global, and Nest
 * resolves a constructor dependency only from the module's own imports or global modules.
 */
@Injectable()
export class AppAgents {
  private found?: AgentService;

  constructor(private readonly moduleRef: ModuleRef) {}

  get service(): AgentService {
    return (this.found ??= this.find());
  }

  private find(): AgentService {
    try {
      return this.moduleRef.get(AgentService, { strict: false });
    } catch {
      throw new AgentConfigError('AgentJobsModule needs AgentModule: import AgentModule.forRoot(...) in your app');
    }
  }
}
