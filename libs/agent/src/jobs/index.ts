// @agentnest/agent/jobs: durable agent runs on BullMQ (needs @agentnest/agent/nest's AgentModule in the app).
export { AgentJobsModule } from './agent-jobs.module.js';
export { AGENT_JOBS_OPTIONS, type AgentJobsModuleExtras, type AgentJobsModuleOptions, type AgentJobsRedis } from './agent-jobs.module-definition.js';
export { AgentJobs } from './agent-jobs.service.js';
export type { EnqueueOptions, RunFollow } from './agent-jobs.service.js';
export { AgentRunProcessor } from './agent-run.processor.js';
export type { AgentJobsOptions, AgentRunJob } from './agent-run.job.js';
export { AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
export { IdempotencyConflictError, RunRegistry, RunStateError } from './run-registry.js';
export type { PausedRun, RunPatch, RunRecord, RunRegistryOptions, RunStatus } from './run-registry.js';
export { FINAL_STATUSES, isFinal, RunEvents } from './run-events.js';
export type { RunEventsOptions, RunStreamEvent, StoredRunEvent } from './run-events.js';
export { RunStreamHub, type RunStreamHubOptions } from './run-stream-hub.js';
export { InvalidLastEventIdError, parseStreamId } from './stream-id.js';
export { sendApprovalEvents, sendRunEvents } from './run-events.sse.js';
export { ApprovalFlow, type ApprovalRun } from './approval-flow.js';
export { ApprovalRegistry, type ApprovalRecord, type ApprovalRegistryOptions, type ApprovalStatus } from './approval-registry.js';
