import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AnthropicFake } from '@agentnest/providers/testing';
import { API_KEYS, bearer, KEYS, SECRET, startApi, type Api } from './harness.js';

const schema = { type: 'object', properties: { sentiment: { enum: ['positive', 'negative'] }, score: { type: 'number', minimum: 0, maximum: 1 } }, required: ['sentiment', 'score'] };

describe('structured output over HTTP (responseFormat)', () => {
  const fake = new AnthropicFake('sk-ant-structured');
  let api: Api;
  beforeAll(async () => {
    await fake.start();
    api = await startApi({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-structured', ANTHROPIC_API_KEY: 'sk-ant-structured', ANTHROPIC_BASE_URL: fake.origin });
  });
  afterAll(async () => {
    await api.close();
    await fake.close();
  });
  const run = (body: object) => api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'I love it', ...body });

  it('returns the validated output and the tier that served it', async () => {
    fake.enqueue({ text: '{"sentiment":"positive","score":0.9}' });
    const direct = await run({ responseFormat: { schema } });
    expect(direct.status).toBe(200);
    expect(direct.body).toMatchObject({ status: 'completed', output: { sentiment: 'positive', score: 0.9 }, outputTier: 'model', text: '{"sentiment":"positive","score":0.9}' });
    // The schema reached the model in the system prompt.
    const sent = fake.requests.at(-1)!.body as { system: unknown };
    expect(JSON.stringify(sent.system)).toContain('sentiment');

    fake.enqueue({ text: 'Positive, about 0.9!' }, { text: '{"sentiment":"positive","score":0.9}' });
    const repaired = await run({ responseFormat: { schema } });
    expect(repaired.body).toMatchObject({ output: { sentiment: 'positive', score: 0.9 }, outputTier: 'repair' });
    expect(repaired.body.narrative.join('\n')).toMatch(/served by the repair tier/);
  });

  it('answers 502 output_invalid when no tier serves, and 400 for a schema that is not one', async () => {
    fake.enqueue({ text: 'no' }, { text: '{"sentiment":"meh","score":3}' });
    const failed = await run({ responseFormat: { schema } });
    expect([failed.status, failed.body.error.code]).toEqual([502, 'output_invalid']);
    const bad = await run({ responseFormat: { schema: { type: 'banana' } } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_output_schema']);
    expect((await run({ responseFormat: {} })).status).toBe(400);
    // Without responseFormat nothing changes.
    fake.enqueue({ text: 'plain words' });
    expect((await run({})).body).toMatchObject({ text: 'plain words' });
    expect((await run({})).body.outputTier).toBeUndefined();
  });
});
