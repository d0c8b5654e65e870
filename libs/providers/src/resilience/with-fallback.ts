import type { CallOptions, LLMProvider, LLMRequest, LLMResponse, StreamEvent } from '../llm-provider.js';
import { CircuitOpenError, ProviderError, RateLimitedError } from '../provider.errors.js';
import { tracked } from './first-chunk.js';
import { notify } from './provider-event.js';

/** Worth trying the next provider: an outage-type failure, an open circuit or an exhausted budget — not a bad request. */
export function isFallbackWorthy(error: unknown): boolean {
  return (error instanceof ProviderError && error.retryable) || error instanceof CircuitOpenError || error instanceof RateLimitedError;
}

/** Tries providers in order; moves on only for outage-type failures, and for streams only before their first chunk. */
export function withFallback(primary: LLMProvider, ...fallbacks: LLMProvider[]): LLMProvider {
  const chain = [primary, ...fallbacks];
  const moveOn = (error: unknown, index: number, opts: CallOptions) => {
    if (index === chain.length - 1 || opts.signal?.aborted || !isFallbackWorthy(error)) return false;
    notify(opts.onEvent, { type: 'fallback', from: chain[index].name, to: chain[index + 1].name, code: (error as { code: string }).code });
    return true;
  };
  // What any link may answer with: a fallback's withModel, or anything a link declares.
  const models = [...new Set(chain.flatMap((p) => p.models ?? []))];
  return {
    name: primary.name,
    ...(models.length ? { models } : {}),
    async complete(req: LLMRequest, opts: CallOptions = {}): Promise<LLMResponse> {
      for (let i = 0; ; i++) {
        try {
          return await chain[i].complete(req, opts);
        } catch (error) {
          if (!moveOn(error, i, opts)) throw error;
        }
      }
    },
    async *stream(req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
      for (let i = 0; ; i++) {
        const p = chain[i];
        const started = { value: false };
        try {
          if (p.stream) yield* tracked(p.stream(req, opts), started);
          else yield { type: 'response', response: await p.complete(req, opts) };
          return;
        } catch (error) {
          if (started.value || !moveOn(error, i, opts)) throw error;
        }
      }
    },
  };
}
