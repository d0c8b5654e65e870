import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createAnthropic } from '@ai-sdk/anthropic';
import type { LLMRequest, StreamEvent } from '../llm-provider.js';
import { AnthropicFake } from '../testing/anthropic.fake.js';
import { aiSdk } from './ai-sdk.provider.js';

const KEY = 'sk-ant-ai-sdk-0123456789';

const history: LLMRequest = {
  model: 'ignored',
  system: 'You are terse.',
  messages: [
    { role: 'user', content: 'Weather in Oslo?' },
    { role: 'assistant', content: 'Checking.', toolCalls: [{ id: 'toolu_w', name: 'weather', args: { city: 'Oslo' } }] },
    { role: 'tool', toolCallId: 'toolu_w', name: 'weather', content: 'no data', isError: true },
  ],
  tools: [{ name: 'weather', description: 'Weather for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
  maxTokens: 99,
};

describe('aiSdk() on the real @ai-sdk/anthropic against the Anthropic wire fake', () => {
  const fake = new AnthropicFake(KEY);
  const provider = () => aiSdk(createAnthropic({ baseURL: `${fake.origin}/v1`, apiKey: KEY }).messages('claude-x'), { secrets: [KEY] });

  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  beforeEach(() => void fake.requests.splice(0));

  it('round-trips history, tool calls and cache reads and writes', async () => {
    fake.enqueue({ text: 'Trying again.', toolCalls: [{ id: 'toolu_2', name: 'weather', args: { city: 'Oslo' } }], usage: { inputTokens: 200, outputTokens: 9, inputTokenDetails: { cacheReadTokens: 120, cacheWriteTokens: 30 } } });
    const p = provider();
    const r = await p.complete(history);
    expect(p.name).toBe('anthropic.messages');
    expect(r).toMatchObject({ text: 'Trying again.', toolCalls: [{ id: 'toolu_2', name: 'weather', args: { city: 'Oslo' } }], finishReason: 'tool-calls', provider: 'anthropic.messages' });
    expect(r.usage).toEqual({ inputTokens: 200, outputTokens: 9, totalTokens: 209, inputTokenDetails: { noCacheTokens: 50, cacheReadTokens: 120, cacheWriteTokens: 30 } });
    const body = fake.bodies('/messages')[0] as { max_tokens: number; messages: Array<{ role: string; content: Array<Record<string, unknown>> }> };
    expect(body.max_tokens).toBe(99);
    expect(body.messages.map((m) => [m.role, m.content.map((c) => c.type)])).toEqual([
      ['user', ['text']],
      ['assistant', ['text', 'tool_use']],
      ['user', ['tool_result']],
    ]);
    expect(body.messages[2].content[0]).toMatchObject({ tool_use_id: 'toolu_w', is_error: true });
  });

  it('streams text deltas and ends with the whole response', async () => {
    fake.enqueue({ text: 'Sunny in Oslo, mostly.', usage: { inputTokens: 40, outputTokens: 6 } });
    const events: StreamEvent[] = [];
    for await (const e of provider().stream!(history)) events.push(e);
    const deltas = events.filter((e) => e.type === 'text').map((e) => e.delta);
    expect(deltas.join('')).toBe('Sunny in Oslo, mostly.');
    expect(events.at(-1)).toMatchObject({ type: 'response', response: { text: 'Sunny in Oslo, mostly.', finishReason: 'stop', usage: { inputTokens: 40, outputTokens: 6, totalTokens: 46 } } });
  });

  it('maps 529 overloaded and 429 with retry-after', async () => {
    fake.enqueue({ kind: 'error', status: 529, message: 'Overloaded' }, { kind: 'error', status: 429, message: 'slow down', retryAfter: '5' });
    await expect(provider().complete(history)).rejects.toMatchObject({ code: 'overloaded', retryable: true });
    await expect(provider().complete(history)).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 5000 });
  });
});
