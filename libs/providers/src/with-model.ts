import type { CallOptions, LLMProvider, LLMRequest, StreamEvent } from './llm-provider.js';

/**
 * Sends every request to `model`, whatever the agent asked for: a fallback on another vendor
 * needs its own model id (an agent's "claude-..." means nothing to OpenAI).
 */
export function withModel(provider: LLMProvider, model: string): LLMProvider {
  const rewrite = (req: LLMRequest): LLMRequest => ({ ...req, model });
  const wrapped: LLMProvider = { name: provider.name, models: [model], complete: (req, opts) => provider.complete(rewrite(req), opts) };
  if (provider.stream) {
    const stream = provider.stream.bind(provider);
    wrapped.stream = (req: LLMRequest, opts?: CallOptions): AsyncIterable<StreamEvent> => stream(rewrite(req), opts);
  }
  return wrapped;
}
