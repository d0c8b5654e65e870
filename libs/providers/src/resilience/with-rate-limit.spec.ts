import { describe, expect, it } from '@jest/globals';
import { mock } from '../mock/mock.provider.js';
import type { LLMRequest } from '../llm-provider.js';
import { ProviderConfigError, RateLimitedError } from '../provider.errors.js';
import type { ProviderEvent } from './provider-event.js';
import { InMemoryRateLimitStore, type RateLimitCost, type RateLimits, type RateLimitTurn } from './rate-limit-store.js';
import { estimateInputTokens, withRateLimit } from './with-rate-limit.js';

const req = (content = 'hello'): LLMRequest => ({ model: 'm', messages: [{ role: 'user', content }] });

describe('withRateLimit', () => {
  it('rejects at once in reject mode, with retryAfterMs and an event', async () => {
    const events: ProviderEvent[] = [];
    const inner = mock({ name: 'p', reply: 'ok' });
    const p = withRateLimit(inner, { requestsPerMinute: 2, mode: 'reject' });
    await p.complete(req());
    await p.complete(req());
    const err = await p.complete(req(), { onEvent: (e) => events.push(e) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBeGreaterThan(20_000);
    expect(inner.callCount).toBe(2);
    expect(events).toEqual([{ type: 'rate_limited', provider: 'p', key: 'p', waitMs: expect.any(Number), action: 'reject' }]);
  });

  it('queues the call in wait mode until the budget refills', async () => {
    const events: ProviderEvent[] = [];
    const inner = mock({ name: 'p', reply: 'ok' });
    const p = withRateLimit(inner, { requestsPerMinute: 600, mode: 'wait' }); // one every 100 ms
    const results = await Promise.all(Array.from({ length: 602 }, () => p.complete(req(), { onEvent: (e) => events.push(e) })));
    expect(results).toHaveLength(602);
    expect(events.some((e) => e.type === 'rate_limited' && e.action === 'wait')).toBe(true);
  });

  it('gives up waiting past maxWaitMs', async () => {
    const p = withRateLimit(mock({ name: 'p', reply: 'ok' }), { requestsPerMinute: 1, mode: 'wait', maxWaitMs: 100 });
    await p.complete(req());
    await expect(p.complete(req())).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('keeps one budget per tenant when keyed by tenant', async () => {
    const store = new InMemoryRateLimitStore();
    const p = withRateLimit(mock({ name: 'p', reply: 'ok' }), { requestsPerMinute: 1, key: 'tenant', mode: 'reject', store });
    await p.complete(req(), { tenant: 'acme' });
    await p.complete(req(), { tenant: 'globex' });
    await expect(p.complete(req(), { tenant: 'acme' })).rejects.toMatchObject({ budgetKey: 'p:tenant:acme' });
  });

  it('reserves the estimated input tokens and settles actual usage after the call', async () => {
    const store = new InMemoryRateLimitStore();
    const limits = { tokensPerMinute: 1000 };
    // The call reports far more usage than estimated: the difference is charged afterwards.
    const p = withRateLimit(mock({ name: 'p', reply: 'ok', usage: { inputTokens: 700, outputTokens: 200 } }), { ...limits, mode: 'reject', store });
    expect(estimateInputTokens(req('x'.repeat(400)))).toBe(100);
    await p.complete(req('x'.repeat(400)));
    expect((await store.take('p', { requests: 1, tokens: 150 }, limits)).allowed).toBe(false);
    expect((await store.take('p', { requests: 1, tokens: 90 }, limits)).allowed).toBe(true);
  });

  it('keeps the estimate when a provider reports a count that is not one (NaN took the in-process bucket off its limit)', async () => {
    const store = new InMemoryRateLimitStore();
    const limits = { tokensPerMinute: 1000 };
    const nan = { name: 'p', complete: async (r: LLMRequest) => ({ provider: 'p', model: r.model, text: 'ok', toolCalls: [], finishReason: 'stop' as const, usage: { inputTokens: NaN, outputTokens: NaN, totalTokens: NaN } }) };
    const p = withRateLimit(nan, { ...limits, mode: 'reject', store });
    await p.complete(req('x'.repeat(400)));
    // 100 tokens were taken by the estimate and stay taken: 900 are left, not NaN.
    expect((await store.take('p', { requests: 1, tokens: 950 }, limits)).allowed).toBe(false);
    expect((await store.take('p', { requests: 1, tokens: 850 }, limits)).allowed).toBe(true);
  });

  it('needs at least one budget', () => {
    expect(() => withRateLimit(mock({ reply: 'x' }), {})).toThrow(ProviderConfigError);
  });

  describe('fair', () => {
    // The in-memory store, recording the turns it is given and the waiters that leave.
    class Recording extends InMemoryRateLimitStore {
      turns: (RateLimitTurn | undefined)[] = [];
      left: RateLimitTurn[] = [];
      override take(key: string, cost: RateLimitCost, limits: RateLimits, turn?: RateLimitTurn) {
        this.turns.push(turn && { ...turn });
        return super.take(key, cost, limits, turn);
      }
      override leave(key: string, turn: RateLimitTurn) {
        this.left.push(turn);
        return super.leave(key, turn);
      }
    }

    it('waits under the tenant, one waiter id for all its polls, and leaves the queue when aborted', async () => {
      const store = new Recording();
      const p = withRateLimit(mock({ name: 'p', reply: 'ok' }), { requestsPerMinute: 1, fair: true, maxWaitMs: 120_000, store });
      await p.complete(req(), { tenant: 'acme' });
      const ctl = new AbortController();
      const waiting = p.complete(req(), { tenant: 'acme', signal: ctl.signal });
      await new Promise((r) => setImmediate(r));
      ctl.abort(new Error('cancelled'));
      await expect(waiting).rejects.toThrow('cancelled');
      expect(store.turns).toEqual([
        { tenant: 'acme', waiter: expect.any(String), leaseMs: 2000 },
        { tenant: 'acme', waiter: expect.any(String), leaseMs: 2000 },
      ]);
      expect(store.left).toEqual([store.turns[1]]);
    });

    it('leaves the queue when giving up past maxWaitMs', async () => {
      const store = new Recording();
      const p = withRateLimit(mock({ name: 'p', reply: 'ok' }), { requestsPerMinute: 1, fair: { leaseMs: 500 }, maxWaitMs: 100, store });
      await p.complete(req());
      await expect(p.complete(req())).rejects.toBeInstanceOf(RateLimitedError);
      expect(store.left).toEqual([{ tenant: '-', waiter: expect.any(String), leaseMs: 500 }]);
    });

    it('only asks in reject mode: no waiter registered, nothing to leave', async () => {
      const store = new Recording();
      const p = withRateLimit(mock({ name: 'p', reply: 'ok' }), { requestsPerMinute: 1, fair: true, mode: 'reject', store });
      await p.complete(req(), { tenant: 'acme' });
      await expect(p.complete(req(), { tenant: 'acme' })).rejects.toBeInstanceOf(RateLimitedError);
      expect(store.turns).toEqual([
        { tenant: 'acme', waiter: undefined, leaseMs: 2000 },
        { tenant: 'acme', waiter: undefined, leaseMs: 2000 },
      ]);
      expect(store.left).toEqual([]);
    });

    it('takes no turns with one budget per tenant (fair already)', async () => {
      const store = new Recording();
      const p = withRateLimit(mock({ name: 'p', reply: 'ok' }), { requestsPerMinute: 5, key: 'tenant', fair: true, store });
      await p.complete(req(), { tenant: 'acme' });
      expect(store.turns).toEqual([undefined]);
    });
  });
});
