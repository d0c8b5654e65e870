export type { CallOptions, LLMMessage, LLMProvider, LLMRequest, LLMResponse, StopReason, StreamEvent, ToolCall, ToolSpec, Usage } from './llm-provider.js';
export {
  CircuitOpenError,
  MissingPeerDependencyError,
  MockRepliesExhaustedError,
  ProviderBoundaryError,
  ProviderConfigError,
  ProviderError,
  RateLimitedError,
} from './provider.errors.js';
export type { ProviderErrorCode } from './provider.errors.js';
export { abortableDelay } from './abortable-delay.js';
export { loadPeer } from './load-peer.js';
export { mock } from './mock/mock.provider.js';
export type { MockAnswer, MockOptions, MockProvider, MockReply } from './mock/mock.provider.js';
export { anthropic } from './adapters/anthropic.provider.js';
export type { AnthropicOptions } from './adapters/anthropic.provider.js';
export { openai } from './adapters/openai.provider.js';
export type { OpenAIOptions } from './adapters/openai.provider.js';
export { bedrock } from './adapters/bedrock.provider.js';
export type { BedrockCredentials, BedrockOptions } from './adapters/bedrock.provider.js';
export type { CircuitStateName, ProviderEvent } from './resilience/provider-event.js';
export { withRetry } from './resilience/with-retry.js';
export type { RetryInfo, RetryOptions } from './resilience/with-retry.js';
export { withFallback, isFallbackWorthy } from './resilience/with-fallback.js';
export { withCircuitBreaker } from './resilience/with-circuit-breaker.js';
export type { CircuitBreakerOptions } from './resilience/with-circuit-breaker.js';
export { InMemoryCircuitState } from './resilience/circuit-state.js';
export type { CircuitConfig, CircuitDecision, CircuitOutcome, CircuitStateStore, CircuitTransition } from './resilience/circuit-state.js';
export { RedisCircuitState } from './resilience/redis-circuit-state.js';
export type { RedisCircuitStateOptions } from './resilience/redis-circuit-state.js';
export { withRateLimit, estimateInputTokens } from './resilience/with-rate-limit.js';
export type { RateLimitOptions } from './resilience/with-rate-limit.js';
export { InMemoryRateLimitStore } from './resilience/rate-limit-store.js';
export type { RateLimitCost, RateLimits, RateLimitStore, TakeResult } from './resilience/rate-limit-store.js';
export { RedisRateLimitStore } from './resilience/redis-rate-limit-store.js';
export type { RedisRateLimitStoreOptions } from './resilience/redis-rate-limit-store.js';
export { resilientProvider } from './resilience/resilient-provider.js';
export type { ResilientProviderOptions } from './resilience/resilient-provider.js';
