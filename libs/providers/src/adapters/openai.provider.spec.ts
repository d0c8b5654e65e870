import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openai } from './openai.provider.js';
import { OpenAIFake } from '../testing/openai.fake.js';
import { describeWireAdapter } from './wire-adapter.contract.js';

const KEY = 'sk-openai-test-0123456789';

describeWireAdapter<OpenAIFake>({
  name: 'openai',
  sdk: 'openai',
  apiKey: KEY,
  overloadedStatus: 503,
  reportsCacheWrite: false,
  finishReasons: { length: 'length', content_filter: 'content-filter', function_call: 'tool-calls' },
  createFake: () => new OpenAIFake(KEY),
  createProvider: (fake) => openai({ apiKey: KEY, baseURL: `${fake.origin}/v1` }),
  assertSentHistory(fake) {
    const body = fake.bodies('/chat/completions').at(-1)!;
    expect(body).toMatchObject({ model: 'model-x', max_completion_tokens: 321, temperature: 0.2, stop: ['###'] });
    expect(body).not.toHaveProperty('max_tokens');
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      { type: 'function', function: { name: 'clock', description: 'Current time', parameters: { type: 'object', properties: {} } } },
    ]);
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Weather in Oslo and the time?' },
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          { id: 'call_w', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          { id: 'call_c', type: 'function', function: { name: 'clock', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_w', content: '{"forecast":"sunny"}' },
      { role: 'tool', tool_call_id: 'call_c', content: 'Error: clock is broken' },
      { role: 'assistant', content: 'Sunny; the clock failed.' },
      { role: 'user', content: 'Thanks!' },
    ]);
  },
});

describe('openai() output limit field', () => {
  const fake = new OpenAIFake(KEY);
  beforeAll(() => fake.start());
  afterAll(() => fake.close());

  it('sends max_tokens instead for OpenAI-compatible servers that know only that', async () => {
    fake.respond = () => ({ text: 'ok' });
    const legacy = openai({ apiKey: KEY, baseURL: `${fake.origin}/v1`, maxTokensField: 'max_tokens' });
    await legacy.complete({ model: 'm', maxTokens: 42, messages: [{ role: 'user', content: 'hi' }] });
    const body = fake.bodies('/chat/completions').at(-1)!;
    expect(body.max_tokens).toBe(42);
    expect(body).not.toHaveProperty('max_completion_tokens');
  });
});
