import { describe, expect, it } from '@jest/globals';
import { APICallError, type LanguageModelV4StreamPart, type LanguageModelV4Usage } from '@ai-sdk/provider';
import { MockLanguageModelV4, convertArrayToReadableStream } from 'ai/test';
import type { LLMRequest, StreamEvent } from '../llm-provider.js';
import { ProviderError } from '../provider.errors.js';
import { withRetry } from '../resilience/with-retry.js';
import { withFallback } from '../resilience/with-fallback.js';
import { mock } from '../mock/mock.provider.js';
import { aiSdk } from './ai-sdk.provider.js';

const usage = (input: number, output: number, extra: { cacheRead?: number; cacheWrite?: number; reasoning?: number } = {}): LanguageModelV4Usage => ({
  inputTokens: { total: input, noCache: input - (extra.cacheRead ?? 0) - (extra.cacheWrite ?? 0), cacheRead: extra.cacheRead, cacheWrite: extra.cacheWrite },
  outputTokens: { total: output, text: output - (extra.reasoning ?? 0), reasoning: extra.reasoning },
});

const finish = (unified: 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'interrupted' | 'other', raw?: string) => ({ unified, raw });

const request: LLMRequest = {
  model: 'ignored',
  system: 'You are terse.',
  messages: [
    { role: 'user', content: 'Weather in Oslo and the time?' },
    { role: 'assistant', content: 'Checking both.', toolCalls: [{ id: 'call_w', name: 'weather', args: { city: 'Oslo' } }, { id: 'call_c', name: 'clock', args: {} }] },
    { role: 'tool', toolCallId: 'call_w', name: 'weather', content: '{"forecast":"sunny"}' },
    { role: 'tool', toolCallId: 'call_c', name: 'clock', content: 'clock is broken', isError: true },
    { role: 'user', content: 'Thanks!' },
  ],
  tools: [{ name: 'weather', description: 'Weather for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
  toolChoice: 'none',
  maxTokens: 321,
  temperature: 0.2,
  stop: ['###'],
};

const streamOf = (parts: LanguageModelV4StreamPart[]) => ({ stream: convertArrayToReadableStream(parts) });

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

function apiError(statusCode: number | undefined, message: string, responseHeaders?: Record<string, string>, responseBody?: string): APICallError {
  return new APICallError({ message, url: 'https://api.example/v1/chat?key=sk-secret-in-url', requestBodyValues: { apiKey: 'sk-secret-body' }, statusCode, responseHeaders, responseBody });
}

describe('aiSdk()', () => {
  it('maps the request to the specification call options: prompt parts, function tools, tool choice and limits', async () => {
    const model = new MockLanguageModelV4({ doGenerate: { content: [{ type: 'text', text: 'ok' }], finishReason: finish('stop', 'stop'), usage: usage(1, 1), warnings: [] } });
    await aiSdk(model).complete(request);
    const sent = model.doGenerateCalls[0];
    expect(sent.prompt).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and the time?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool-call', toolCallId: 'call_w', toolName: 'weather', input: { city: 'Oslo' } },
          { type: 'tool-call', toolCallId: 'call_c', toolName: 'clock', input: {} },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'call_w', toolName: 'weather', output: { type: 'text', value: '{"forecast":"sunny"}' } },
          { type: 'tool-result', toolCallId: 'call_c', toolName: 'clock', output: { type: 'error-text', value: 'clock is broken' } },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Thanks!' }] },
    ]);
    expect(sent).toMatchObject({
      tools: [{ type: 'function', name: 'weather', description: 'Weather for a city', inputSchema: request.tools![0].inputSchema }],
      toolChoice: { type: 'none' },
      maxOutputTokens: 321,
      temperature: 0.2,
      stopSequences: ['###'],
    });
  });

  it('answers text with usage (cached input, reasoning), finish reason, model and name', async () => {
    const model = new MockLanguageModelV4({
      provider: 'acme.chat',
      modelId: 'acme-1',
      doGenerate: { content: [{ type: 'reasoning', text: 'hmm' }, { type: 'text', text: 'Hello ' }, { type: 'text', text: 'there' }], finishReason: finish('length', 'max_tokens'), usage: usage(100, 30, { cacheRead: 60, cacheWrite: 10, reasoning: 12 }), warnings: [], response: { modelId: 'acme-1-2026' } },
    });
    const provider = aiSdk(model);
    expect(provider.name).toBe('acme.chat');
    expect(provider.models).toEqual(['acme-1']);
    expect(await provider.complete({ model: '', messages: [{ role: 'user', content: 'hi' }] })).toEqual({
      text: 'Hello there',
      toolCalls: [],
      usage: { inputTokens: 100, outputTokens: 30, totalTokens: 130, inputTokenDetails: { noCacheTokens: 30, cacheReadTokens: 60, cacheWriteTokens: 10 }, outputTokenDetails: { textTokens: 18, reasoningTokens: 12 } },
      finishReason: 'length',
      model: 'acme-1-2026',
      provider: 'acme.chat',
    });
    expect(aiSdk(model, { name: 'acme' }).name).toBe('acme');
    expect(model.doGenerateCalls[0]).not.toHaveProperty('tools');
  });

  it('returns client tool calls with parsed arguments and leaves provider-executed ones out', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: {
        content: [
          { type: 'tool-call', toolCallId: 't1', toolName: 'weather', input: '{"city":"Oslo"}' },
          { type: 'tool-call', toolCallId: 't2', toolName: 'web_search', input: '{}', providerExecuted: true },
          { type: 'tool-call', toolCallId: 't3', toolName: 'clock', input: '' },
        ],
        finishReason: finish('tool-calls'),
        usage: usage(5, 5),
        warnings: [],
      },
    });
    const r = await aiSdk(model).complete(request);
    expect(r.toolCalls).toEqual([{ id: 't1', name: 'weather', args: { city: 'Oslo' } }, { id: 't3', name: 'clock', args: {} }]);
    expect(r.finishReason).toBe('tool-calls');
    expect(r.usage).toEqual({ inputTokens: 5, outputTokens: 5, totalTokens: 10 });
  });

  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content-filter', 'content-filter'],
    ['tool-calls', 'tool-calls'],
    ['error', 'error'],
    ['interrupted', 'other'],
    ['other', 'other'],
  ] as const)('maps finish reason %s to %s', async (unified, ours) => {
    const model = new MockLanguageModelV4({ doGenerate: { content: [], finishReason: finish(unified), usage: usage(1, 1), warnings: [] } });
    expect((await aiSdk(model).complete(request)).finishReason).toBe(ours);
  });

  it('streams text deltas, assembles tool calls and ends with the whole response', async () => {
    const model = new MockLanguageModelV4({
      modelId: 'acme-1',
      doStream: streamOf([
        { type: 'stream-start', warnings: [] },
        { type: 'response-metadata', modelId: 'acme-1-2026' },
        { type: 'text-start', id: 'x' },
        { type: 'text-delta', id: 'x', delta: 'Let me ' },
        { type: 'text-delta', id: 'x', delta: 'check.' },
        { type: 'text-end', id: 'x' },
        { type: 'tool-input-start', id: 't1', toolName: 'weather' },
        { type: 'tool-input-delta', id: 't1', delta: '{"city":' },
        { type: 'tool-input-delta', id: 't1', delta: '"Oslo"}' },
        { type: 'tool-input-end', id: 't1' },
        { type: 'tool-call', toolCallId: 't1', toolName: 'weather', input: '{"city":"Oslo"}' },
        // A call whose final tool-call part never came: assembled from its deltas.
        { type: 'tool-input-start', id: 't2', toolName: 'clock' },
        { type: 'tool-input-delta', id: 't2', delta: '{}' },
        { type: 'finish', finishReason: finish('tool-calls'), usage: usage(40, 9, { cacheRead: 32 }) },
      ]),
    });
    const events = await collect(aiSdk(model).stream!(request));
    expect(events.slice(0, 2)).toEqual([{ type: 'text', delta: 'Let me ' }, { type: 'text', delta: 'check.' }]);
    expect(events[2]).toEqual({
      type: 'response',
      response: {
        text: 'Let me check.',
        toolCalls: [{ id: 't1', name: 'weather', args: { city: 'Oslo' } }, { id: 't2', name: 'clock', args: {} }],
        usage: { inputTokens: 40, outputTokens: 9, totalTokens: 49, inputTokenDetails: { noCacheTokens: 8, cacheReadTokens: 32 } },
        finishReason: 'tool-calls',
        model: 'acme-1-2026',
        provider: 'mock-provider',
      },
    });
    expect(model.doStreamCalls[0].prompt[0]).toEqual({ role: 'system', content: 'You are terse.' });
  });

  it('passes the abort signal through and rethrows its reason, not a provider error', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const model = new MockLanguageModelV4({
      doGenerate: async (options) => {
        controller.abort(reason);
        expect(options.abortSignal).toBe(controller.signal);
        throw Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
      },
    });
    await expect(aiSdk(model).complete(request, { signal: controller.signal })).rejects.toBe(reason);
  });

  it('maps API call errors to our codes, honours retry-after and keeps URL, headers and body out of the message', async () => {
    const cases: Array<[APICallError | Error, string, number | undefined]> = [
      [apiError(429, 'Rate limit reached', { 'retry-after': '7' }), 'rate_limited', 7000],
      [apiError(429, 'Rate limit reached', { 'retry-after-ms': '250' }), 'rate_limited', 250],
      [apiError(500, 'Internal error'), 'server', undefined],
      [apiError(503, 'Overloaded'), 'overloaded', undefined],
      [apiError(401, 'Invalid API key'), 'auth', undefined],
      [apiError(403, 'Forbidden'), 'auth', undefined],
      [apiError(400, 'Bad tool schema'), 'bad_request', undefined],
      [apiError(400, 'This model maximum context length is 8192 tokens'), 'context_length', undefined],
      [apiError(400, 'Bad request', {}, '{"error":{"code":"context_length_exceeded"}}'), 'context_length', undefined],
      [apiError(undefined, 'Cannot connect to API: fetch failed'), 'network', undefined],
      [new TypeError('fetch failed'), 'network', undefined],
    ];
    for (const [error, code, retryAfterMs] of cases) {
      const model = new MockLanguageModelV4({ doGenerate: async () => { throw error; } });
      const err = (await aiSdk(model, { name: 'acme', secrets: ['sk-live-123456'] }).complete(request).catch((e: unknown) => e)) as ProviderError;
      expect(err).toBeInstanceOf(ProviderError);
      expect({ code: err.code, retryAfterMs: err.retryAfterMs, provider: err.provider }).toEqual({ code, retryAfterMs, provider: 'acme' });
      expect(err.message).not.toMatch(/sk-secret|example|retry-after/);
    }
    const echoed = new MockLanguageModelV4({ doGenerate: async () => { throw apiError(401, 'Incorrect API key provided: sk-live-123456'); } });
    await expect(aiSdk(echoed, { secrets: ['sk-live-123456'] }).complete(request)).rejects.toThrow('Incorrect API key provided: [redacted]');
  });

  it('maps an error part in the stream, and one thrown by doStream, like any other failure', async () => {
    const midStream = new MockLanguageModelV4({ doStream: streamOf([{ type: 'text-delta', id: 'x', delta: 'Hi' }, { type: 'error', error: apiError(529, 'Overloaded') }]) });
    const seen: StreamEvent[] = [];
    const err = await (async () => { for await (const e of aiSdk(midStream).stream!(request)) seen.push(e); })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: 'text', delta: 'Hi' }]);
    expect(err).toMatchObject({ code: 'overloaded', retryable: true });
    const refused = new MockLanguageModelV4({ doStream: async () => { throw apiError(429, 'slow down', { 'retry-after': '2' }); } });
    await expect(collect(aiSdk(refused).stream!(request))).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 2000 });
  });

  it('works under our resilience wrappers: a 429 is retried after retry-after', async () => {
    let calls = 0;
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        if (++calls === 1) throw apiError(429, 'Rate limit reached', { 'retry-after-ms': '40' });
        return { content: [{ type: 'text', text: 'second time' }], finishReason: finish('stop'), usage: usage(1, 1), warnings: [] };
      },
    });
    const delays: number[] = [];
    const r = await withRetry(aiSdk(model), { initialDelayMs: 1, jitter: 0, onRetry: (info) => delays.push(info.delayMs) }).complete(request);
    expect({ text: r.text, calls, delays }).toEqual({ text: 'second time', calls: 2, delays: [40] });
  });

  it('takes part in a fallback chain with our own adapters, both ways', async () => {
    const overloaded = new MockLanguageModelV4({ provider: 'acme.chat', doGenerate: async () => { throw apiError(503, 'Overloaded'); } });
    const healthy = new MockLanguageModelV4({ provider: 'acme.chat', doGenerate: { content: [{ type: 'text', text: 'from the AI SDK model' }], finishReason: finish('stop'), usage: usage(1, 1), warnings: [] } });
    const events: string[] = [];
    const first = await withFallback(aiSdk(overloaded), mock({ reply: 'from our mock' })).complete(request, { onEvent: (e) => events.push(e.type) });
    expect({ text: first.text, provider: first.provider, events }).toEqual({ text: 'from our mock', provider: 'mock', events: ['fallback'] });
    const broken = mock({ respond: () => { throw new ProviderError('server', 'mock', 'down', 500); } });
    expect((await withFallback(broken, aiSdk(healthy)).complete(request)).text).toBe('from the AI SDK model');
  });
});
