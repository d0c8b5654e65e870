import { describe, expect, it } from '@jest/globals';
import type { CallOptions, LLMProvider, LLMRequest, LLMResponse, StreamEvent } from '../llm-provider.js';
import { ProviderError } from '../provider.errors.js';
import { InMemoryCircuitState, type CircuitConfig, type CircuitOutcome } from './circuit-state.js';
import { InMemoryRateLimitStore, type RateLimits } from './rate-limit-store.js';
import { withCircuitBreaker } from './with-circuit-breaker.js';
import { withFallback } from './with-fallback.js';
import { withRateLimit } from './with-rate-limit.js';
import { withRetry } from './with-retry.js';

const request: LLMRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const response: LLMResponse = { text: 'hello', toolCalls: [], usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 }, finishReason: 'stop', model: 'm', provider: 'inner' };

/** A streaming provider that counts how its streams end: every one must be closed, however it is consumed. */
function inner(fail?: ProviderError) {
  const counts = { started: 0, closed: 0 };
  const provider: LLMProvider = {
    name: 'inner',
    complete: async () => response,
    async *stream(_req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
      counts.started++;
      try {
        yield { type: 'text', delta: 'hel' };
        if (fail) throw fail;
        if (opts.signal?.aborted) throw opts.signal.reason;
        yield { type: 'text', delta: 'lo' };
        yield { type: 'response', response };
        // A vendor stream may still have bookkeeping after its final event.
        yield { type: 'text', delta: '' };
      } finally {
        counts.closed++;
      }
    },
  };
  return { provider, counts };
}

/** How a caller consumes a stream: to the end, up to the final response (as the agent does), or abandoning it after the first chunk. */
const consumers = {
  'reads to the end': async (s: AsyncIterable<StreamEvent>) => {
    for await (const _ of s) void _;
  },
  'stops at the final response': async (s: AsyncIterable<StreamEvent>) => {
    for await (const e of s) if (e.type === 'response') break;
  },
  'abandons it after the first chunk': async (s: AsyncIterable<StreamEvent>) => {
    for await (const _ of s) break;
  },
};

class CountingCircuit extends InMemoryCircuitState {
  readonly records: boolean[] = [];
  override record(key: string, success: boolean, config: CircuitConfig): CircuitOutcome {
    this.records.push(success);
    return super.record(key, success, config);
  }
}

class CountingBudget extends InMemoryRateLimitStore {
  settles = 0;
  override async settle(key: string, delta: number, limits: RateLimits): Promise<void> {
    this.settles++;
    return super.settle(key, delta, limits);
  }
}

describe.each(Object.entries(consumers))('every stream wrapper when the consumer %s', (how, consume) => {
  const abandoned = how.startsWith('abandons');

  it('circuit breaker: records the call exactly once, as a success unless it failed, and closes the inner stream', async () => {
    const { provider, counts } = inner();
    const state = new CountingCircuit();
    await consume(withCircuitBreaker(provider, { state }).stream!(request));
    expect(state.records).toEqual([true]);
    expect(counts).toEqual({ started: 1, closed: 1 });
  });

  it('rate limit: settles the budget once when the response came, never for an abandoned stream, and closes it', async () => {
    const { provider, counts } = inner();
    const store = new CountingBudget();
    await consume(withRateLimit(provider, { requestsPerMinute: 100, store }).stream!(request));
    expect(store.settles).toBe(abandoned ? 0 : 1);
    expect(counts).toEqual({ started: 1, closed: 1 });
  });

  it('retry and fallback: close the inner stream, once', async () => {
    for (const wrap of [(p: LLMProvider) => withRetry(p, { initialDelayMs: 1 }), (p: LLMProvider) => withFallback(p, inner().provider)]) {
      const { provider, counts } = inner();
      await consume(wrap(provider).stream!(request));
      expect(counts).toEqual({ started: 1, closed: 1 });
    }
  });
});

describe('streamed calls and the circuit', () => {
  const config = { failureThreshold: 2, cooldownMs: 1_000 };

  it('a successful streamed probe closes a half-open circuit, even when the consumer stops at the response', async () => {
    let now = 0;
    const state = new InMemoryCircuitState(() => now);
    const failing = withCircuitBreaker(inner(new ProviderError('overloaded', 'inner', 'busy')).provider, { ...config, state, key: 'k' });
    for (let i = 0; i < 2; i++) await expect(consumers['reads to the end'](failing.stream!(request))).rejects.toMatchObject({ code: 'overloaded' });
    await expect(consumers['reads to the end'](failing.stream!(request))).rejects.toMatchObject({ code: 'circuit_open' });
    now += 1_000;
    const healthy = withCircuitBreaker(inner().provider, { ...config, state, key: 'k' });
    await consumers['stops at the final response'](healthy.stream!(request));
    // Closed again: every call goes through, not one probe per cooldown.
    for (let i = 0; i < 3; i++) await consumers['stops at the final response'](healthy.stream!(request));
  });

  it('a streamed success resets the failure count', async () => {
    const state = new InMemoryCircuitState(() => 0);
    const failing = withCircuitBreaker(inner(new ProviderError('overloaded', 'inner', 'busy')).provider, { ...config, state, key: 'k' });
    const healthy = withCircuitBreaker(inner().provider, { ...config, state, key: 'k' });
    // fail, succeed, fail: never two in a row, so the circuit stays closed.
    for (let i = 0; i < 3; i++) {
      await expect(consumers['reads to the end'](failing.stream!(request))).rejects.toMatchObject({ code: 'overloaded' });
      await consumers['stops at the final response'](healthy.stream!(request));
    }
    await consumers['stops at the final response'](healthy.stream!(request));
  });

  it('an aborted streamed call ends its probe without counting a failure', async () => {
    const state = new CountingCircuit();
    const abort = new AbortController();
    abort.abort(new Error('client left'));
    const wrapped = withCircuitBreaker(inner().provider, { ...config, state });
    await expect(consumers['reads to the end'](wrapped.stream!(request, { signal: abort.signal }))).rejects.toThrow('client left');
    expect(state.records).toEqual([true]);
  });
});
