import type { CallOptions, LLMProvider, LLMRequest, LLMResponse, StreamEvent } from '../llm-provider.js';
import { CircuitOpenError, ProviderError } from '../provider.errors.js';
import { InMemoryCircuitState, type CircuitConfig, type CircuitDecision, type CircuitStateStore, type CircuitTransition } from './circuit-state.js';
import { isThenable } from '../maybe-promise.js';
import { notify } from './provider-event.js';

/** Settings for {@link withCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; @default 5 */
  failureThreshold?: number;
  /** How long an open circuit fails fast before a probe; @default 30000 */
  cooldownMs?: number;
  /** Successful probes that close it again; @default 1 */
  halfOpenSuccesses?: number;
  /** Where the circuit's state lives; share a RedisCircuitState so every instance sees the same circuit; @default a new InMemoryCircuitState (this process only) */
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

  // The store's answers are waited for only when they are promises (a shared store's): the
  // in-process store answers at once, and every call asks it twice.
  const admitted = (decision: CircuitDecision, opts: CallOptions) => {
    announce(decision.transition, opts);
    if (!decision.allowed) throw new CircuitOpenError(provider.name, decision.retryAfterMs);
  };
  function admit(opts: CallOptions): Promise<void> | undefined {
    const decision = state.acquire(key, config);
    if (isThenable(decision)) return decision.then((d) => admitted(d, opts));
    admitted(decision, opts);
    return undefined;
  }

  // A call that neither failed nor succeeded as far as the provider goes (abort, bad request) still ends a probe.
  function settle(error: unknown | undefined, opts: CallOptions): Promise<void> | undefined {
    const failed = error !== undefined && !opts.signal?.aborted && isFailure(error);
    const outcome = state.record(key, !failed, config);
    if (isThenable(outcome)) return outcome.then((o) => announce(o.transition, opts));
    announce(outcome.transition, opts);
    return undefined;
  }

  const wrapped: LLMProvider = {
    name: provider.name,
    ...(provider.models ? { models: provider.models } : {}),
    async complete(req: LLMRequest, opts: CallOptions = {}): Promise<LLMResponse> {
      const admission = admit(opts);
      if (admission) await admission;
      try {
        const response = await provider.complete(req, opts);
        const recorded = settle(undefined, opts);
        if (recorded) await recorded;
        return response;
      } catch (error) {
        const recorded = settle(error, opts);
        if (recorded) await recorded;
        throw error;
      }
    },
  };
  if (provider.stream) wrapped.stream = guardedStream(provider.stream.bind(provider), { admit, settle });
  return wrapped;
}

interface Gate {
  admit(opts: CallOptions): Promise<void> | undefined;
  settle(error: unknown | undefined, opts: CallOptions): Promise<void> | undefined;
}

function guardedStream(stream: NonNullable<LLMProvider['stream']>, gate: Gate): NonNullable<LLMProvider['stream']> {
  return async function* (req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
    await gate.admit(opts);
    // Recorded exactly once: at the final response (a consumer may stop reading right there), on
    // an error, or, when the consumer abandons the stream or aborts, as a call that did not fail.
    let settled = false;
    const settleOnce = async (error?: unknown) => {
      if (settled) return;
      settled = true;
      await gate.settle(error, opts);
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
