// @agentnest/agent/nest: the Nest layer. Register agents, inject AgentService, map errors.
export { AgentModule } from './agent.module.js';
export { AgentContextModule } from './agent-context.module.js';
export { AGENT_MODULE_OPTIONS } from './agent.module-definition.js';
export { AGENT_MEMORY_STORE, AGENT_TOOL_METADATA } from './agent.constants.js';
export type { AgentDefinition, AgentModuleOptions } from './agent-module.options.js';
export { AgentService } from './agent.service.js';
export type { AgentCallOptions, AgentRunInput, AgentSummary, Eraser, ErasureReport } from './agent.service.js';
export { AgentTool } from './agent-tool.decorator.js';
export type { AgentToolOptions } from './agent-tool.decorator.js';
export { RequestContextMiddleware } from './request-context.middleware.js';
export { AgentExceptionFilter } from './agent-exception.filter.js';
export { requestSignal } from './request-signal.js';
export { ERROR_STATUS, HttpError, toHttpError, type HttpErrorBody } from './http-error.js';
// The request context classes are framework-free (main entry); re-exported here for Nest users' convenience.
export { RequestContext } from '../context/request-context.js';
export { TenantContext } from '../context/tenant-context.js';
export type { RequestIdentity } from '../context/request-identity.js';
