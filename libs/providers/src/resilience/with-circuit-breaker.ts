import type { CallOptions, LLMProvider, LLMRequest, LLMResponse, StreamEvent } from '../llm-provider.js';
import { CircuitOpenError, ProviderError } from '../provider.errors.js';
import { InMemoryCircuitState, type CircuitConfig, type CircuitStateStore, type CircuitTransition } from './circuit-state.js';
import { notify } from './provider-event.js';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; @default 5 */
  failureThreshold?: number;
  /** How long an open circuit fails fast before a probe; @default 30000 */
  cooldownMs?: number;
  /** Successful probes that close it again; @default 1 */
  halfOpenSuccesses?: number;
  /** @default a new InMemoryCircuitState (this process only) */
  state?: CircuitStateStore;
  /** Circuit name in the state store; @default the provider's name */
  key?: string;
  /** Which errors count as failures; @default retryable ProviderErrors (outages, not bad requests) */
  isFailure?: (error: unknown) => boolean;
}

const defaultIsFailure = (error: unknown) => error instanceof ProviderError && error.retryable;

/** Fails fast with CircuitOpenError while a provider keeps failing, probing again after a cooldown. */
export function withCircuitBreaker(provider: LLMProvider, options: CircuitBreakerOptions = {}): LLMProvider {
  const config: CircuitConfig = {
    failureThreshold: Math.max(1, options.failureThreshold ?? 5),
    cooldownMs: Math.max(1, options.cooldownMs ?? 30_000),
    halfOpenSuccesses: Math.max(1, options.halfOpenSuccesses ?? 1),
  };
  const state = options.state ?? new InMemoryCircuitState();
  const key = options.key ?? provider.name;
  const isFailure = options.isFailure ?? defaultIsFailure;

  const announce = (t: CircuitTransition | undefined, opts: CallOptions) => {
    if (t) notify(opts.onEvent, { type: 'breaker', provider: provider.name, from: t.from, to: t.to });
  };

  async function admit(opts: CallOptions): Promise<void> {
    const decision = await state.acquire(key, config);
    announce(decision.transition, opts);
    if (!decision.allowed) throw new CircuitOpenError(provider.name, decision.retryAfterMs);
  }

  // A call that neither failed nor succeeded as far as the provider goes (abort, bad request) still ends a probe.
  async function settle(error: unknown | undefined, opts: CallOptions): Promise<void> {
    const failed = error !== undefined && !opts.signal?.aborted && isFailure(error);
    announce((await state.record(key, !failed, config)).transition, opts);
  }

  const wrapped: LLMProvider = {
    name: provider.name,
    async complete(req: LLMRequest, opts: CallOptions = {}): Promise<LLMResponse> {
      await admit(opts);
      try {
        const response = await provider.complete(req, opts);
        await settle(undefined, opts);
        return response;
      } catch (error) {
        await settle(error, opts);
        throw error;
      }
    },
  };
  if (provider.stream) {
    const stream = provider.stream.bind(provider);
    wrapped.stream = async function* (req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
      await admit(opts);
      // Recorded exactly once: at the final response (a consumer may stop reading right there), on
      // an error, or, when the consumer abandons the stream or aborts, as a call that did not fail.
      let settled = false;
      const settleOnce = async (error?: unknown) => {
        if (settled) return;
        settled = true;
        await settle(error, opts);
      };
      try {
        for await (const event of stream(req, opts)) {
          if (event.type === 'response') await settleOnce();
          yield event;
        }
      } catch (error) {
        await settleOnce(error);
        throw error;
      } finally {
        await settleOnce();
      }
    };
  }
  return wrapped;
}
