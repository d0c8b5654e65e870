// @agentnest/agent/jobs: durable agent runs on BullMQ (needs @agentnest/agent/nest's AgentModule in the app).
// What an app uses: the module and its options, AgentJobs and AgentChat for controllers, the SSE writers,
// the errors it may catch, the queue's health indicator, and the types of what these return.
export { AgentJobsModule } from './agent-jobs.module.js';
export { AGENT_JOBS_OPTIONS, type AgentJobsConnection, type AgentJobsModuleExtras, type AgentJobsModuleOptions, type AgentJobsShutdown } from './agent-jobs.module-definition.js';
export type { AgentJobsOptions } from './agent-run.job.js';
export { AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';
export { AgentJobs, type EnqueueInput, type EnqueueOptions, type EnqueueResult, type RunFollow } from './agent-jobs.service.js';
export { AgentJobsHealthIndicator, type QueueHealthResult } from './agent-jobs.health.js';
export { RunStateError, type RunRecord, type RunStatus } from './runs/run-registry.js';
export { RunNotFoundError } from './runs/run-not-found.error.js';
export { IdempotencyConflictError } from './runs/idempotency-keys.js';
export { InvalidLastEventIdError } from './streams/stream-id.js';
export type { RunStreamEvent, StoredRunEvent } from './streams/run-events.js';
export type { ApprovalRecord, ApprovalStatus } from './approvals/approval-registry.js';
export { sendApprovalEvents, sendRunEvents } from './transport/run-events.sse.js';
export { AgentChat } from './transport/chat/agent-chat.service.js';
export { ChatRequestError, chatTurn, type ChatTurn } from './transport/chat/chat-turn.js';
export type { ChatMessageMetadata, UiMessageChunk } from './transport/chat/ui-message-chunks.js';
export { sendUiMessageStream, UI_MESSAGE_STREAM_HEADERS } from './transport/chat/chat.sse.js';
