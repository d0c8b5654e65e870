import {
  anthropic,
  bedrock,
  InMemoryCircuitState,
  InMemoryRateLimitStore,
  mock,
  openai,
  RedisCircuitState,
  RedisRateLimitStore,
  resilientProvider,
  withModel,
  type CircuitStateStore,
  type LLMProvider,
} from '@agentnest/providers';
import type { Cluster, Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import type { ProviderChoice } from '../config/llm-config.js';
import { demoRespond } from '../demo/demo-responder.js';

function build(choice: ProviderChoice): LLMProvider {
  switch (choice.kind) {
    case 'mock':
      return mock({ respond: demoRespond });
    case 'anthropic':
      return anthropic({ apiKey: choice.apiKey, baseURL: choice.baseURL });
    case 'openai':
      return openai({ apiKey: choice.apiKey, baseURL: choice.baseURL });
    case 'bedrock':
      return bedrock({ region: choice.region, endpoint: choice.endpoint, credentials: choice.credentials });
  }
}

/** The provider every agent uses, and where its circuits live (for /health). */
export interface Llm {
  provider: LLMProvider;
  circuits: { state: CircuitStateStore; keys: string[] };
}

/**
 * The one place LLM_PROVIDER (and LLM_FALLBACK_PROVIDER) become the provider every agent uses,
 * wrapped in the resilient stack. With Redis the breaker and budgets are shared by all instances.
 */
export function createLlm(config: AppConfig, redis?: Redis | Cluster): Llm {
  const { primary, fallback, requestsPerMinute, tokensPerMinute, fairRate } = config.llm;
  const providers = [build(primary)];
  if (fallback) providers.push(withModel(build(fallback), fallback.model));
  const prefix = config.redisPrefix;
  const rateLimited = Boolean(requestsPerMinute || tokensPerMinute);
  // One circuit per provider, keyed by its name.
  const circuits = { state: redis ? new RedisCircuitState({ redis, prefix: `${prefix}circuit:` }) : new InMemoryCircuitState(), keys: providers.map((p) => p.name) };
  const provider = resilientProvider({
    providers,
    retry: { maxAttempts: 3, initialDelayMs: 250, maxDelayMs: 5_000 },
    breaker: { ...config.breaker, state: circuits.state },
    rateLimit: rateLimited && {
      requestsPerMinute,
      tokensPerMinute,
      mode: 'wait',
      maxWaitMs: 10_000,
      // The budget is the vendor's, shared by every tenant: turns keep one tenant's burst from starving the rest.
      fair: fairRate,
      store: redis ? new RedisRateLimitStore({ redis, prefix: `${prefix}ratelimit:` }) : new InMemoryRateLimitStore(),
    },
  });
  return { provider, circuits };
}
