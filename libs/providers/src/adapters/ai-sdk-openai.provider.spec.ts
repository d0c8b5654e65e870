import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createOpenAI } from '@ai-sdk/openai';
import type { LLMRequest, StreamEvent } from '../llm-provider.js';
import { OpenAIFake } from '../testing/openai.fake.js';
import { aiSdk } from './ai-sdk.provider.js';

const KEY = 'sk-ai-sdk-openai-0123456789';

const history: LLMRequest = {
  model: 'ignored',
  system: 'You are terse.',
  messages: [
    { role: 'user', content: 'Weather in Oslo?' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_w', name: 'weather', args: { city: 'Oslo' } }] },
    { role: 'tool', toolCallId: 'call_w', name: 'weather', content: '{"forecast":"sunny"}' },
  ],
  tools: [{ name: 'weather', description: 'Weather for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
  maxTokens: 99,
  temperature: 0.3,
};

describe('aiSdk() on the real @ai-sdk/openai against the OpenAI wire fake', () => {
  const fake = new OpenAIFake(KEY);
  const provider = () => aiSdk(createOpenAI({ baseURL: `${fake.origin}/v1`, apiKey: KEY }).chat('gpt-x'), { name: 'openai-ai-sdk', secrets: [KEY] });

  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  beforeEach(() => void fake.requests.splice(0));

  it('sends our history in the OpenAI wire format and maps the answer, tool calls and cached usage back', async () => {
    fake.enqueue({ text: 'Sunny.', toolCalls: [{ id: 'call_t', name: 'weather', args: { city: 'Bergen' } }], usage: { inputTokens: 120, outputTokens: 7, inputTokenDetails: { cacheReadTokens: 64 } } });
    const r = await provider().complete(history);
    expect(r).toMatchObject({ text: 'Sunny.', toolCalls: [{ id: 'call_t', name: 'weather', args: { city: 'Bergen' } }], finishReason: 'tool-calls', model: 'gpt-x', provider: 'openai-ai-sdk' });
    expect(r.usage).toEqual({ inputTokens: 120, outputTokens: 7, totalTokens: 127, inputTokenDetails: { noCacheTokens: 56, cacheReadTokens: 64 } });
    const body = fake.bodies('/chat/completions')[0];
    expect(body).toMatchObject({ model: 'gpt-x', max_tokens: 99, temperature: 0.3 });
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_w', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_w', content: '{"forecast":"sunny"}' },
    ]);
  });

  it('streams text deltas and ends with the whole response', async () => {
    fake.enqueue({ text: 'It is sunny in Oslo today.', usage: { inputTokens: 30, outputTokens: 8 } });
    const events: StreamEvent[] = [];
    for await (const e of provider().stream!(history)) events.push(e);
    const deltas = events.filter((e) => e.type === 'text').map((e) => e.delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(events.at(-1)).toEqual({
      type: 'response',
      response: { text: deltas.join(''), toolCalls: [], usage: { inputTokens: 30, outputTokens: 8, totalTokens: 38 }, finishReason: 'stop', model: 'gpt-x', provider: 'openai-ai-sdk' },
    });
    expect(deltas.join('')).toBe('It is sunny in Oslo today.');
  });

  it('maps wire errors to our codes with retry-after honoured and the key kept out', async () => {
    fake.enqueue(
      { kind: 'error', status: 429, message: 'Rate limit reached', retryAfter: '3' },
      { kind: 'error', status: 401, message: `Incorrect API key provided: ${KEY}` },
      { kind: 'error', status: 500, message: 'boom' },
      { kind: 'error', status: 400, message: "This model's maximum context length is 8192 tokens" },
    );
    const errors: Array<{ code: string; retryAfterMs?: number; message: string }> = [];
    for (let i = 0; i < 4; i++) errors.push(await provider().complete(history).then(() => { throw new Error('expected a failure'); }, (e: { code: string; retryAfterMs?: number; message: string }) => e));
    expect(errors.map((e) => e.code)).toEqual(['rate_limited', 'auth', 'server', 'context_length']);
    expect(errors[0].retryAfterMs).toBe(3000);
    for (const e of errors) expect(e.message).not.toContain(KEY);
  });
});
