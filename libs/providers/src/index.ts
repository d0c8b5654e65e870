export type { CallOptions, LLMMessage, LLMProvider, LLMRequest, LLMResponse, StopReason, StreamEvent, ToolCall, ToolSpec, Usage } from './llm-provider.js';
export { ProviderBoundaryError, ProviderConfigError, MockRepliesExhaustedError } from './provider.errors.js';
export { abortableDelay } from './abortable-delay.js';
export { mock } from './mock/mock.provider.js';
export type { MockAnswer, MockOptions, MockProvider, MockReply } from './mock/mock.provider.js';
