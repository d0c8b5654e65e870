export type { CallOptions, LLMMessage, LLMProvider, LLMRequest, FinishReason, LLMResponse, StreamEvent, ToolCall, ToolSpec, Usage } from './llm-provider.js';
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
export { noCacheTokens, toUsage, type TokenCounts, type UsageFigures } from './usage.js';
export { abortableDelay } from './abortable-delay.js';
export { loadPeer } from './load-peer.js';
export { countInPieces, openaiTokenCounter, type TokenCounter } from './tokenizers/token-counter.js';
export { mock } from './mock/mock.provider.js';
export type { MockAnswer, MockOptions, MockProvider, MockReply, MockUsage } from './mock/mock.provider.js';
export { anthropic } from './adapters/anthropic.provider.js';
export type { AnthropicOptions } from './adapters/anthropic.provider.js';
export { openai } from './adapters/openai.provider.js';
export type { OpenAIOptions } from './adapters/openai.provider.js';
export type { OpenAIClientOptions } from './adapters/openai-client.options.js';
export { bedrock } from './adapters/bedrock.provider.js';
export type { BedrockOptions } from './adapters/bedrock.provider.js';
export type { BedrockClientOptions, BedrockCredentials } from './adapters/bedrock-client.options.js';
export type { CircuitStateName, ProviderEvent } from './resilience/provider-event.js';
export { withRetry } from './resilience/with-retry.js';
export type { RetryInfo, RetryOptions } from './resilience/with-retry.js';
export { withFallback, isFallbackWorthy } from './resilience/with-fallback.js';
export { withCircuitBreaker } from './resilience/with-circuit-breaker.js';
export type { CircuitBreakerOptions } from './resilience/with-circuit-breaker.js';
export { InMemoryCircuitState } from './resilience/circuit-state.js';
export type { CircuitConfig, CircuitDecision, CircuitOutcome, CircuitStateStore, CircuitTransition } from './resilience/circuit-state.js';
export { isThenable, type MaybePromise } from './maybe-promise.js';
export { RedisCircuitState } from './resilience/redis-circuit-state.js';
export type { RedisCircuitStateOptions } from './resilience/redis-circuit-state.js';
export { withRateLimit, estimateInputTokens } from './resilience/with-rate-limit.js';
export type { RateLimitOptions } from './resilience/with-rate-limit.js';
export { InMemoryRateLimitStore } from './resilience/rate-limit-store.js';
export type { RateLimitCost, RateLimits, RateLimitStore, RateLimitTurn, TakeResult } from './resilience/rate-limit-store.js';
export { RedisRateLimitStore } from './resilience/redis-rate-limit-store.js';
export type { RedisRateLimitStoreOptions } from './resilience/redis-rate-limit-store.js';
export { resilientProvider } from './resilience/resilient-provider.js';
export type { ResilientProviderOptions } from './resilience/resilient-provider.js';
export { cosineSimilarity } from './embedders/embedder.js';
export type { Embedder, EmbedOptions } from './embedders/embedder.js';
export { mockEmbedder } from './embedders/mock.embedder.js';
export type { MockEmbedderOptions } from './embedders/mock.embedder.js';
export { openaiEmbedder } from './embedders/openai.embedder.js';
export type { OpenAIEmbedderOptions } from './embedders/openai.embedder.js';
export { bedrockEmbedder } from './embedders/bedrock.embedder.js';
export type { BedrockEmbedderOptions } from './embedders/bedrock.embedder.js';
export { withModel } from './with-model.js';
export { aiSdk } from './adapters/ai-sdk.provider.js';
export type { AiSdkOptions } from './adapters/ai-sdk.provider.js';
export type {
  AiSdkCallOptions,
  AiSdkContent,
  AiSdkFinishReason,
  AiSdkGenerateResult,
  AiSdkLanguageModel,
  AiSdkPromptMessage,
  AiSdkPromptPart,
  AiSdkStreamPart,
  AiSdkUsage,
} from './adapters/ai-sdk-model.js';
