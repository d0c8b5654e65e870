// @agentnest/agent/nest: the Nest layer. Register agents, inject AgentService or one agent, map errors.
export { AgentModule } from './agent.module.js';
export { AgentContextModule } from './agent-context.module.js';
export { AGENT_MODULE_OPTIONS } from './agent.module-definition.js';
export { AGENT_TOOL_METADATA } from './agent.constants.js';
export type { AgentModuleOptions } from './agent-module.options.js';
export type { AgentDefinition, RegisteredAgentTool } from './agent-definition.js';
export type { AgentFeatureOptions } from './agent-feature.js';
export { getAgentToken, InjectAgent } from './agent.token.js';
export { AgentHandle } from './agent-handle.js';
export { AgentService } from './agent.service.js';
export type { AgentCallOptions, AgentContinueOptions, AgentRunInput, AgentSummary, Eraser, ErasureReport } from './agent-service.types.js';
export { AgentTool } from './agent-tool.decorator.js';
export type { AgentToolOptions } from './agent-tool.decorator.js';
export { AgentHealthIndicator } from './agent.health.js';
export { RequestContextMiddleware } from './request-context.middleware.js';
export { AgentExceptionFilter } from './agent-exception.filter.js';
export { requestSignal } from './request-signal.js';
export { ERROR_STATUS, HttpError, toHttpError, type HttpErrorBody } from './http-error.js';
// The request context classes are framework-free (main entry); re-exported here for Nest users' convenience.
export { RequestContext } from '../context/request-context.js';
export { TenantContext } from '../context/tenant-context.js';
export type { RequestIdentity } from '../context/request-identity.js';
