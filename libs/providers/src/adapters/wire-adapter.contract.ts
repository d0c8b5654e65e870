import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { FinishReason, LLMProvider, LLMRequest, StreamEvent } from '../llm-provider.js';
import { setPeerImporter } from '../load-peer.js';
import { MissingPeerDependencyError, ProviderError } from '../provider.errors.js';
import type { VendorFake } from '../testing/vendor-fake.js';

export interface WireAdapterCase<F extends VendorFake> {
  name: string;
  /** The SDK package the adapter loads. */
  sdk: string;
  createFake(): F;
  createProvider(fake: F): LLMProvider;
  /** The key the provider was built with, which must never surface in errors. */
  apiKey: string;
  /** Status the vendor uses for "overloaded". */
  overloadedStatus: number;
  /** Whether the vendor reports cache-write tokens. */
  reportsCacheWrite: boolean;
  /** Vendor stop reasons beyond the plain stop and tool call, with the finish reason each must become. */
  finishReasons: Record<string, FinishReason>;
  /** Vendor-specific checks of the request the SDK sent for HISTORY_REQUEST. */
  assertSentHistory(fake: F): void;
}

/** A request exercising everything a request can carry: system, history, several tool calls and results, tools, limits. */
export const HISTORY_REQUEST: LLMRequest = {
  model: 'model-x',
  system: 'You are terse.',
  maxTokens: 321,
  temperature: 0.2,
  stop: ['###'],
  tools: [
    { name: 'weather', description: 'Weather for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    { name: 'clock', description: 'Current time', inputSchema: { type: 'object', properties: {} } },
  ],
  messages: [
    { role: 'user', content: 'Weather in Oslo and the time?' },
    { role: 'assistant', content: 'Checking both.', toolCalls: [{ id: 'call_w', name: 'weather', args: { city: 'Oslo' } }, { id: 'call_c', name: 'clock', args: {} }] },
    { role: 'tool', toolCallId: 'call_w', name: 'weather', content: '{"forecast":"sunny"}' },
    { role: 'tool', toolCallId: 'call_c', name: 'clock', content: 'Error: clock is broken', isError: true },
    { role: 'assistant', content: 'Sunny; the clock failed.' },
    { role: 'user', content: 'Thanks!' },
  ],
};

const simple = (content = 'hi'): LLMRequest => ({ model: 'model-x', messages: [{ role: 'user', content }] });

async function collect(stream: AsyncIterable<StreamEvent>) {
  const deltas: string[] = [];
  let final: Extract<StreamEvent, { type: 'response' }>['response'] | undefined;
  for await (const e of stream) {
    if (e.type === 'text') deltas.push(e.delta);
    else final = e.response;
  }
  return { deltas, final };
}

/** What every vendor adapter must do over the real SDK against its loopback fake. */
export function describeWireAdapter<F extends VendorFake>(c: WireAdapterCase<F>): void {
  describe(`${c.name} adapter over the wire`, () => {
    const fake = c.createFake();
    let provider: LLMProvider;
    beforeAll(async () => {
      await fake.start();
    });
    afterAll(() => fake.close());
    beforeEach(() => {
      fake.requests.length = 0;
      provider = c.createProvider(fake);
    });

    it('maps text, usage (with cache tokens) and the finish reason', async () => {
      // 16 prompt tokens, 3 read from the cache and 2 written to it: each vendor counts them its own way.
      fake.enqueue({ text: 'Hello there', usage: { inputTokens: 16, outputTokens: 7, inputTokenDetails: { cacheReadTokens: 3, cacheWriteTokens: 2 } } });
      const r = await provider.complete(simple());
      expect(r).toMatchObject({ text: 'Hello there', toolCalls: [], finishReason: 'stop', provider: c.name });
      // inputTokens holds every prompt token, as the AI SDK's does (a vendor that reports no cache writes leaves them uncached).
      const details = c.reportsCacheWrite ? { noCacheTokens: 11, cacheReadTokens: 3, cacheWriteTokens: 2 } : { noCacheTokens: 13, cacheReadTokens: 3 };
      expect(r.usage).toEqual({ inputTokens: 16, outputTokens: 7, totalTokens: 23, inputTokenDetails: details });
      expect(r.model).toBeTruthy();
    });

    it('reports usage without inputTokenDetails when the vendor reports no cache tokens', async () => {
      fake.enqueue({ text: 'Hello there', usage: { inputTokens: 11, outputTokens: 7 } });
      expect((await provider.complete(simple())).usage).toEqual({ inputTokens: 11, outputTokens: 7, totalTokens: 18 });
    });

    it("maps the vendor's other stop reasons to finish reasons, unknown ones to 'other'", async () => {
      for (const [raw, finishReason] of Object.entries({ ...c.finishReasons, some_new_reason: 'other' })) {
        fake.enqueue({ text: 'cut', rawFinishReason: raw });
        expect({ raw, finishReason: (await provider.complete(simple())).finishReason }).toEqual({ raw, finishReason });
      }
    });

    it('maps several tool calls in one turn', async () => {
      fake.enqueue({ text: 'Let me look.', toolCalls: [{ id: 't1', name: 'weather', args: { city: 'Oslo' } }, { id: 't2', name: 'clock', args: {} }] });
      const r = await provider.complete(HISTORY_REQUEST);
      expect(r.finishReason).toBe('tool-calls');
      expect(r.toolCalls).toEqual([
        { id: 't1', name: 'weather', args: { city: 'Oslo' } },
        { id: 't2', name: 'clock', args: {} },
      ]);
    });

    it('sends system, history, tool calls, tool results, tools and limits in the vendor format', async () => {
      fake.enqueue({ text: 'You are welcome.' });
      const r = await provider.complete(HISTORY_REQUEST);
      expect(r.text).toBe('You are welcome.');
      c.assertSentHistory(fake);
    });

    it('streams text deltas, then the final response with usage', async () => {
      fake.enqueue({ text: 'Streaming works fine today.', usage: { inputTokens: 20, outputTokens: 9 } });
      const { deltas, final } = await collect(provider.stream!(simple()));
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('')).toBe('Streaming works fine today.');
      expect(final).toMatchObject({ text: 'Streaming works fine today.', finishReason: 'stop', usage: { inputTokens: 20, outputTokens: 9, totalTokens: 29 } });
    });

    it('streams tool calls into the final response', async () => {
      fake.enqueue({ toolCalls: [{ id: 's1', name: 'weather', args: { city: 'Bergen', days: 3 } }] });
      const { final } = await collect(provider.stream!(HISTORY_REQUEST));
      expect(final?.toolCalls).toEqual([{ id: 's1', name: 'weather', args: { city: 'Bergen', days: 3 } }]);
      expect(final?.finishReason).toBe('tool-calls');
    });

    it.each([
      [429, 'rate_limited', true],
      ['overloaded', 'overloaded', true],
      [500, 'server', true],
      [400, 'bad_request', false],
      [401, 'auth', false],
    ] as const)('normalises HTTP %s into ProviderError %s', async (status, code, retryable) => {
      fake.enqueue({ kind: 'error', status: status === 'overloaded' ? c.overloadedStatus : status, message: 'scripted failure' });
      const err = await provider.complete(simple()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ code, provider: c.name, retryable });
    });

    it('parses retry-after into retryAfterMs', async () => {
      fake.enqueue({ kind: 'error', status: 429, message: 'slow down', retryAfter: '2' });
      const err = (await provider.complete(simple()).catch((e: unknown) => e)) as ProviderError;
      expect(err).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 2000 });
    });

    it('recognises a context-length 400', async () => {
      fake.enqueue({ kind: 'error', status: 400, message: 'prompt is too long: 210000 tokens > 200000 maximum' });
      await expect(provider.complete(simple())).rejects.toMatchObject({ code: 'context_length', retryable: false });
    });

    it('reports a stream cut in the middle as a retryable network error', async () => {
      fake.enqueue({ kind: 'cut', text: 'This answer will never finish streaming', afterEvents: 4 });
      const seen: string[] = [];
      const err = await (async () => {
        for await (const e of provider.stream!(simple())) if (e.type === 'text') seen.push(e.delta);
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ code: 'network', retryable: true });
    });

    it('aborts a call that hangs, without a ProviderError', async () => {
      fake.enqueue({ kind: 'hang' });
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('caller gave up')), 50);
      const err = await provider.complete(simple(), { signal: ac.signal }).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(ProviderError);
      expect(ac.signal.aborted).toBe(true);
    });

    it('never lets the API key into an error, even when the vendor echoes it', async () => {
      fake.enqueue({ kind: 'error', status: 400, message: `bad header: ${c.apiKey}` });
      const err = (await provider.complete(simple()).catch((e: unknown) => e)) as ProviderError;
      expect(err).toBeInstanceOf(ProviderError);
      const everything = [err.message, String(err.stack), JSON.stringify(err), String((err as { cause?: unknown }).cause ?? '')].join('\n');
      expect(everything).not.toContain(c.apiKey);
      expect(err.message).toContain('[redacted]');
    });

    it(`says "npm install ${c.sdk}" when the SDK is missing`, async () => {
      const restore = setPeerImporter(async (spec) => {
        throw Object.assign(new Error(`Cannot find package '${spec}'`), { code: 'ERR_MODULE_NOT_FOUND' });
      });
      try {
        const err = await c.createProvider(fake).complete(simple()).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MissingPeerDependencyError);
        expect((err as Error).message).toContain(`npm install ${c.sdk}`);
        expect((err as Error).message).toContain(`${c.name}()`);
      } finally {
        restore();
      }
    });
  });
}
