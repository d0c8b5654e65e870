import { abortableDelay } from '../abortable-delay.js';
import type { CallOptions, LLMProvider, LLMRequest, LLMResponse, StreamEvent } from '../llm-provider.js';
import { ProviderError } from '../provider.errors.js';
import { tracked } from './first-chunk.js';
import { notify } from './provider-event.js';

/** What {@link RetryOptions.onRetry} is told before each wait. */
export interface RetryInfo {
  /** The attempt that just failed, counting from 1. */
  attempt: number;
  /** How long the wrapper waits before the next attempt. */
  delayMs: number;
  /** What the failed attempt threw. */
  error: unknown;
}

/** Settings for {@link withRetry}. */
export interface RetryOptions {
  /** Attempts in all, the first included; @default 3 */
  maxAttempts?: number;
  /** Wait before the second attempt; @default 250 */
  initialDelayMs?: number;
  /** Each further wait is this many times the one before (capped at maxDelayMs); @default 2 */
  backoffFactor?: number;
  /** A server's retry-after above this is not waited for: the error goes up (to a fallback); @default 10000 */
  maxDelayMs?: number;
  /** Fraction of each delay randomised away (0 = none, 1 = full jitter); @default 0.5 */
  jitter?: number;
  /** Whether an error is worth another attempt; @default retryable ProviderErrors: throttling, overload, timeouts, network and 5xx — never other 4xx */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. to log or count retries; the call's `onEvent` also gets a `retry` event. */
  onRetry?: (info: RetryInfo) => void;
}

const defaultShouldRetry = (error: unknown) => error instanceof ProviderError && error.retryable;

/** Retries failed calls with exponential backoff and jitter, honouring retry-after; streams only until their first chunk. */
export function withRetry(provider: LLMProvider, options: RetryOptions = {}): LLMProvider {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const initial = options.initialDelayMs ?? 250;
  const factor = options.backoffFactor ?? 2;
  const maxDelay = options.maxDelayMs ?? 10_000;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const shouldRetry = options.shouldRetry ?? defaultShouldRetry;

  /** The wait before the next attempt, or undefined when the error must go up instead. */
  function nextDelay(error: unknown, attempt: number, opts: CallOptions): number | undefined {
    if (attempt >= maxAttempts || opts.signal?.aborted || !shouldRetry(error, attempt)) return undefined;
    const backoff = Math.min(maxDelay, initial * factor ** (attempt - 1));
    const delay = backoff * (1 - jitter * Math.random());
    const retryAfter = (error as { retryAfterMs?: number }).retryAfterMs;
    if (retryAfter !== undefined && retryAfter > maxDelay) return undefined;
    return Math.round(Math.max(delay, retryAfter ?? 0));
  }

  async function pause(error: unknown, attempt: number, delayMs: number, opts: CallOptions) {
    options.onRetry?.({ attempt, delayMs, error });
    notify(opts.onEvent, { type: 'retry', provider: provider.name, attempt: attempt + 1, delayMs, code: (error as { code?: string }).code ?? 'error' });
    await abortableDelay(delayMs, opts.signal);
  }

  const wrapped: LLMProvider = {
    name: provider.name,
    ...(provider.models ? { models: provider.models } : {}),
    async complete(req: LLMRequest, opts: CallOptions = {}): Promise<LLMResponse> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await provider.complete(req, opts);
        } catch (error) {
          const delay = nextDelay(error, attempt, opts);
          if (delay === undefined) throw error;
          await pause(error, attempt, delay, opts);
        }
      }
    },
  };
  if (provider.stream) {
    const stream = provider.stream.bind(provider);
    wrapped.stream = async function* (req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
      for (let attempt = 1; ; attempt++) {
        const started = { value: false };
        try {
          yield* tracked(stream(req, opts), started);
          return;
        } catch (error) {
          const delay = started.value ? undefined : nextDelay(error, attempt, opts);
          if (delay === undefined) throw error;
          await pause(error, attempt, delay, opts);
        }
      }
    };
  }
  return wrapped;
}
