import { expect } from '@jest/globals';
import { anthropic } from './anthropic.provider.js';
import { AnthropicFake } from '../testing/anthropic.fake.js';
import { describeWireAdapter } from './wire-adapter.contract.js';

const KEY = 'sk-ant-test-0123456789';

describeWireAdapter<AnthropicFake>({
  name: 'anthropic',
  sdk: '@anthropic-ai/sdk',
  apiKey: KEY,
  overloadedStatus: 529,
  reportsCacheWrite: true,
  finishReasons: { stop_sequence: 'stop', max_tokens: 'length', model_context_window_exceeded: 'length', refusal: 'content-filter' },
  createFake: () => new AnthropicFake(KEY),
  createProvider: (fake) => anthropic({ apiKey: KEY, baseURL: fake.origin }),
  assertSentHistory(fake) {
    const body = fake.bodies('/v1/messages').at(-1)!;
    expect(body).toMatchObject({ model: 'model-x', system: 'You are terse.', max_tokens: 321, temperature: 0.2, stop_sequences: ['###'] });
    expect(body.tools).toEqual([
      { name: 'weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      { name: 'clock', description: 'Current time', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and the time?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'call_w', name: 'weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'call_c', name: 'clock', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_w', content: '{"forecast":"sunny"}' },
          { type: 'tool_result', tool_use_id: 'call_c', content: 'Error: clock is broken', is_error: true },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Sunny; the clock failed.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Thanks!' }] },
    ]);
  },
});
