import type { LLMProvider } from '../llm-provider.js';
import { ProviderConfigError } from '../provider.errors.js';
import { withCircuitBreaker, type CircuitBreakerOptions } from './with-circuit-breaker.js';
import { withFallback } from './with-fallback.js';
import { withRateLimit, type RateLimitOptions } from './with-rate-limit.js';
import { withRetry, type RetryOptions } from './with-retry.js';

/** Settings for {@link resilientProvider}: the providers in fallback order and the layers wrapped around each. */
export interface ResilientProviderOptions {
  /** The primary first, then fallbacks in order. */
  providers: LLMProvider[];
  /** @default withRetry defaults; false for none */
  retry?: RetryOptions | false;
  /** One circuit per provider (keyed by its name) in the given state store; @default breaker defaults; false for none */
  breaker?: Omit<CircuitBreakerOptions, 'key'> | false;
  /** One budget per provider; @default none */
  rateLimit?: RateLimitOptions | false;
}

/**
 * The production stack, composed in one order. From the inside out, for each provider: its
 * rate-limit budget (so every real request, retries included, is counted), then its circuit
 * breaker (so an open circuit fails before spending budget), then retries (each attempt seen by
 * the breaker); outermost, fallback across providers (taken when retries give up, the circuit is
 * open or the budget says no).
 */
export function resilientProvider(options: ResilientProviderOptions): LLMProvider {
  if (!options.providers?.length) throw new ProviderConfigError('resilientProvider(): at least one provider is required');
  const names = new Set(options.providers.map((p) => p.name));
  if (names.size !== options.providers.length) throw new ProviderConfigError('resilientProvider(): provider names must be distinct (each has its own circuit and budget)');
  const layered = options.providers.map((p) => {
    let layer = p;
    if (options.rateLimit) layer = withRateLimit(layer, options.rateLimit);
    if (options.breaker !== false) layer = withCircuitBreaker(layer, options.breaker ?? {});
    if (options.retry !== false) layer = withRetry(layer, options.retry ?? {});
    return layer;
  });
  return layered.length === 1 ? layered[0] : withFallback(layered[0], ...layered.slice(1));
}
