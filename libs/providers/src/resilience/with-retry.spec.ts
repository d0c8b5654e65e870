import { describe, expect, it } from '@jest/globals';
import { mock } from '../mock/mock.provider.js';
import type { LLMRequest, StreamEvent } from '../llm-provider.js';
import { ProviderError, type ProviderErrorCode } from '../provider.errors.js';
import type { ProviderEvent } from './provider-event.js';
import { withRetry } from './with-retry.js';

const req: LLMRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const fail = (code: ProviderErrorCode, status?: number, retryAfterMs?: number) => new ProviderError(code, 'p', code, status, retryAfterMs);

/** A provider failing with the given errors, then answering "ok". */
function flaky(...errors: Error[]) {
  return mock({
    name: 'p',
    respond: () => {
      const e = errors.shift();
      if (e) throw e;
      return 'ok';
    },
  });
}

describe('withRetry', () => {
  it('retries retryable failures with exponential backoff and reports each retry', async () => {
    const inner = flaky(fail('server', 500), fail('overloaded', 529), fail('timeout', 408));
    const delays: number[] = [];
    const events: ProviderEvent[] = [];
    const p = withRetry(inner, { maxAttempts: 4, initialDelayMs: 5, backoffFactor: 2, jitter: 0, onRetry: (i) => delays.push(i.delayMs) });
    expect((await p.complete(req, { onEvent: (e) => events.push(e) })).text).toBe('ok');
    expect(inner.callCount).toBe(4);
    expect(delays).toEqual([5, 10, 20]);
    expect(events).toEqual([
      { type: 'retry', provider: 'p', attempt: 2, delayMs: 5, code: 'server' },
      { type: 'retry', provider: 'p', attempt: 3, delayMs: 10, code: 'overloaded' },
      { type: 'retry', provider: 'p', attempt: 4, delayMs: 20, code: 'timeout' },
    ]);
  });

  it('caps the backoff at maxDelayMs and keeps jittered delays within it', async () => {
    const delays: number[] = [];
    const p = withRetry(flaky(fail('server'), fail('server'), fail('server')), { maxAttempts: 4, initialDelayMs: 8, backoffFactor: 10, maxDelayMs: 20, jitter: 0.5, onRetry: (i) => delays.push(i.delayMs) });
    await p.complete(req);
    expect(delays[0]).toBeGreaterThanOrEqual(4);
    expect(delays[0]).toBeLessThanOrEqual(8);
    for (const d of delays.slice(1)) expect(d).toBeLessThanOrEqual(20);
  });

  it('waits at least retry-after', async () => {
    const delays: number[] = [];
    await withRetry(flaky(fail('rate_limited', 429, 40)), { initialDelayMs: 1, jitter: 0, onRetry: (i) => delays.push(i.delayMs) }).complete(req);
    expect(delays).toEqual([40]);
  });

  it('does not wait for a retry-after longer than maxDelayMs: the error goes up for a fallback', async () => {
    const inner = flaky(fail('rate_limited', 429, 60_000));
    await expect(withRetry(inner, { maxDelayMs: 1_000 }).complete(req)).rejects.toMatchObject({ code: 'rate_limited' });
    expect(inner.callCount).toBe(1);
  });

  it.each(['bad_request', 'auth', 'context_length'] as const)('never retries %s', async (code) => {
    const inner = flaky(fail(code, 400));
    await expect(withRetry(inner, { initialDelayMs: 1 }).complete(req)).rejects.toMatchObject({ code });
    expect(inner.callCount).toBe(1);
  });

  it('never retries errors that are not provider errors', async () => {
    const inner = flaky(new TypeError('bug in my code'));
    await expect(withRetry(inner, { initialDelayMs: 1 }).complete(req)).rejects.toBeInstanceOf(TypeError);
    expect(inner.callCount).toBe(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const inner = flaky(fail('server'), fail('server'), fail('overloaded'), fail('server'));
    await expect(withRetry(inner, { maxAttempts: 3, initialDelayMs: 1 }).complete(req)).rejects.toMatchObject({ code: 'overloaded' });
    expect(inner.callCount).toBe(3);
  });

  it('stops waiting as soon as the call is aborted', async () => {
    const inner = flaky(fail('server'), fail('server'));
    const ac = new AbortController();
    const started = Date.now();
    const pending = withRetry(inner, { initialDelayMs: 10_000, jitter: 0 }).complete(req, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('cancelled')), 20);
    await expect(pending).rejects.toThrow('cancelled');
    expect(inner.callCount).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('honours a custom shouldRetry', async () => {
    const inner = flaky(fail('bad_request', 400));
    await withRetry(inner, { initialDelayMs: 1, shouldRetry: (e) => (e as ProviderError).code === 'bad_request' }).complete(req);
    expect(inner.callCount).toBe(2);
  });

  describe('streams', () => {
    async function drain(it: AsyncIterable<StreamEvent>) {
      const text: string[] = [];
      for await (const e of it) if (e.type === 'text') text.push(e.delta);
      return text.join('');
    }

    it('retries a stream that fails before its first chunk', async () => {
      const inner = flaky(fail('overloaded', 503));
      expect(await drain(withRetry(inner, { initialDelayMs: 1 }).stream!(req))).toBe('ok');
      expect(inner.callCount).toBe(2);
    });

    it('never retries a stream after its first chunk', async () => {
      let calls = 0;
      const broken = {
        name: 'p',
        complete: async () => {
          throw new Error('unused');
        },
        async *stream(): AsyncIterable<StreamEvent> {
          calls++;
          yield { type: 'text', delta: 'partial ' };
          throw fail('network');
        },
      };
      const seen: string[] = [];
      const err = await (async () => {
        for await (const e of withRetry(broken, { initialDelayMs: 1 }).stream!(req)) if (e.type === 'text') seen.push(e.delta);
      })().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'network' });
      expect(seen).toEqual(['partial ']);
      expect(calls).toBe(1);
    });
  });
});
