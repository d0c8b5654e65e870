import { describe, expect, it } from '@jest/globals';
import { mock } from '../mock/mock.provider.js';
import type { LLMRequest, StreamEvent } from '../llm-provider.js';
import { CircuitOpenError, ProviderError, RateLimitedError } from '../provider.errors.js';
import type { ProviderEvent } from './provider-event.js';
import { withFallback } from './with-fallback.js';

const req: LLMRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const failing = (name: string, error: Error) =>
  mock({
    name,
    respond: () => {
      throw error;
    },
  });

describe('withFallback', () => {
  it.each([
    ['a retryable provider error', new ProviderError('overloaded', 'a', 'down', 529)],
    ['an open circuit', new CircuitOpenError('a', 1000)],
    ['an exhausted budget', new RateLimitedError('a', 1000, 'a')],
  ])('moves to the next provider on %s and says so', async (_name, error) => {
    const events: ProviderEvent[] = [];
    const p = withFallback(failing('a', error), failing('b', new ProviderError('server', 'b', 'down', 500)), mock({ name: 'c', reply: 'from c' }));
    const r = await p.complete(req, { onEvent: (e) => events.push(e) });
    expect(r).toMatchObject({ text: 'from c', provider: 'c' });
    expect(events).toEqual([
      { type: 'fallback', from: 'a', to: 'b', code: (error as { code: string }).code },
      { type: 'fallback', from: 'b', to: 'c', code: 'server' },
    ]);
  });

  it('does not fall back on a bad request: the next provider would reject it too', async () => {
    const backup = mock({ name: 'b', reply: 'x' });
    await expect(withFallback(failing('a', new ProviderError('bad_request', 'a', 'bad', 400)), backup).complete(req)).rejects.toMatchObject({ code: 'bad_request' });
    expect(backup.callCount).toBe(0);
  });

  it('raises the last error when every provider fails', async () => {
    const p = withFallback(failing('a', new ProviderError('server', 'a', 'x', 500)), failing('b', new ProviderError('timeout', 'b', 'y')));
    await expect(p.complete(req)).rejects.toMatchObject({ code: 'timeout', provider: 'b' });
  });

  it('falls back for a stream only before its first chunk', async () => {
    const backup = mock({ name: 'b', reply: 'backup text' });
    const text: string[] = [];
    for await (const e of withFallback(failing('a', new ProviderError('overloaded', 'a', 'x', 503)), backup).stream!(req)) if (e.type === 'text') text.push(e.delta);
    expect(text.join('')).toBe('backup text');

    const midway = {
      name: 'a',
      complete: async () => {
        throw new Error('unused');
      },
      async *stream(): AsyncIterable<StreamEvent> {
        yield { type: 'text', delta: 'half' };
        throw new ProviderError('network', 'a', 'cut');
      },
    };
    const backup2 = mock({ name: 'b', reply: 'never' });
    const err = await (async () => {
      for await (const _ of withFallback(midway, backup2).stream!(req)) void _;
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'network' });
    expect(backup2.callCount).toBe(0);
  });
});
