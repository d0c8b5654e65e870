import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createAmazonBedrock } from '@ai-sdk/amazon-bedrock';
import type { LLMRequest, StreamEvent } from '../llm-provider.js';
import { BedrockFake } from '../testing/bedrock.fake.js';
import { aiSdk } from './ai-sdk.provider.js';

const credentials = { accessKeyId: 'AKIDAISDKTEST', secretAccessKey: 'secret-ai-sdk-0123456789' };

const history: LLMRequest = {
  model: 'ignored',
  system: 'You are terse.',
  messages: [
    { role: 'user', content: 'Weather in Oslo?' },
    { role: 'assistant', content: 'Checking.', toolCalls: [{ id: 'tu_w', name: 'weather', args: { city: 'Oslo' } }] },
    { role: 'tool', toolCallId: 'tu_w', name: 'weather', content: '{"forecast":"sunny"}' },
  ],
  tools: [{ name: 'weather', description: 'Weather for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
  maxTokens: 99,
};

describe('aiSdk() on the real @ai-sdk/amazon-bedrock against the Bedrock Converse wire fake', () => {
  // Fetch speaks HTTP/1.1 to a cleartext origin, where the AWS SDK speaks h2c.
  const fake = new BedrockFake(credentials.accessKeyId, 'http1');
  const provider = () => aiSdk(createAmazonBedrock({ region: 'us-east-1', ...credentials, baseURL: fake.origin })('anthropic.claude-x'), { secrets: [credentials.secretAccessKey] });

  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  beforeEach(() => void fake.requests.splice(0));

  it('round-trips history and tool calls through Converse', async () => {
    fake.enqueue({ text: 'Sunny.', toolCalls: [{ id: 'tu_2', name: 'weather', args: { city: 'Bergen' } }], usage: { inputTokens: 80, outputTokens: 4 } });
    const r = await provider().complete(history);
    expect(r).toMatchObject({ text: 'Sunny.', toolCalls: [{ id: 'tu_2', name: 'weather', args: { city: 'Bergen' } }], finishReason: 'tool-calls', provider: 'amazon-bedrock' });
    expect(r.usage).toMatchObject({ inputTokens: 80, outputTokens: 4, totalTokens: 84 });
    expect(fake.modelOf(fake.requests[0])).toBe('anthropic.claude-x');
  });

  it('streams text deltas through ConverseStream', async () => {
    fake.enqueue({ text: 'Sunny in Oslo, mostly.', usage: { inputTokens: 40, outputTokens: 6 } });
    const events: StreamEvent[] = [];
    for await (const e of provider().stream!(history)) events.push(e);
    expect(events.filter((e) => e.type === 'text').map((e) => e.delta).join('')).toBe('Sunny in Oslo, mostly.');
    expect(events.at(-1)).toMatchObject({ type: 'response', response: { text: 'Sunny in Oslo, mostly.', finishReason: 'stop' } });
  });

  it('maps throttling with retry-after', async () => {
    fake.enqueue({ kind: 'error', status: 429, message: 'Too many requests', retryAfter: '4' });
    await expect(provider().complete(history)).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 4000 });
  });
});
