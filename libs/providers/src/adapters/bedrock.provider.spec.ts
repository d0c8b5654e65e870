import { expect } from '@jest/globals';
import { bedrock } from './bedrock.provider.js';
import { BedrockFake } from '../testing/bedrock.fake.js';
import { describeWireAdapter } from './wire-adapter.contract.js';

const credentials = { accessKeyId: 'AKIDFAKETEST', secretAccessKey: 'fake-secret-access-key-0123456789' };

describeWireAdapter<BedrockFake>({
  name: 'bedrock',
  sdk: '@aws-sdk/client-bedrock-runtime',
  apiKey: credentials.secretAccessKey,
  overloadedStatus: 503,
  reportsCacheWrite: true,
  finishReasons: { stop_sequence: 'stop', max_tokens: 'length', guardrail_intervened: 'content-filter', content_filtered: 'content-filter' },
  createFake: () => new BedrockFake(credentials.accessKeyId),
  createProvider: (fake) => bedrock({ region: 'us-east-1', credentials, endpoint: fake.origin }),
  assertSentHistory(fake) {
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe('/model/model-x/converse');
    const body = req.body as Record<string, unknown>;
    expect(body).toMatchObject({ system: [{ text: 'You are terse.' }], inferenceConfig: { maxTokens: 321, temperature: 0.2, stopSequences: ['###'] } });
    expect(body.toolConfig).toEqual({
      tools: [
        { toolSpec: { name: 'weather', description: 'Weather for a city', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } } },
        { toolSpec: { name: 'clock', description: 'Current time', inputSchema: { json: { type: 'object', properties: {} } } } },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Oslo and the time?' }] },
      {
        role: 'assistant',
        content: [{ text: 'Checking both.' }, { toolUse: { toolUseId: 'call_w', name: 'weather', input: { city: 'Oslo' } } }, { toolUse: { toolUseId: 'call_c', name: 'clock', input: {} } }],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'call_w', content: [{ text: '{"forecast":"sunny"}' }], status: 'success' } },
          { toolResult: { toolUseId: 'call_c', content: [{ text: 'Error: clock is broken' }], status: 'error' } },
        ],
      },
      { role: 'assistant', content: [{ text: 'Sunny; the clock failed.' }] },
      { role: 'user', content: [{ text: 'Thanks!' }] },
    ]);
  },
});
