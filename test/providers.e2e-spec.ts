import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { AnthropicFake, OpenAIFake, type FakeReply, type RecordedRequest } from '@agentnest/providers/testing';
import { API_KEYS, bearer, KEYS, SECRET, startApi, type Api } from './harness.js';

type Block = { type: string; text?: string; content?: string };

/** A stand-in for the real model behind the demo: "time" calls the clock tool, a clock result is answered. */
function demoModel(req: RecordedRequest): FakeReply {
  const body = req.body as { messages: Array<{ content: Block[] }> };
  const last = body.messages.at(-1)!.content;
  const result = last.find((b) => b.type === 'tool_result');
  if (result) return { text: `The time is ${result.content}.` };
  const text = last.find((b) => b.type === 'text')?.text ?? '';
  return /time/i.test(text) ? { toolCalls: [{ name: 'clock', args: {} }] } : { text: `You said: ${text}` };
}

const ANTHROPIC_KEY = 'sk-ant-e2e-0123456789';
const OPENAI_KEY = 'sk-openai-e2e-0123456789';

describe('reference API on real provider SDKs', () => {
  const anthropicFake = new AnthropicFake(ANTHROPIC_KEY);
  const openaiFake = new OpenAIFake(OPENAI_KEY);
  beforeAll(async () => {
    await anthropicFake.start();
    await openaiFake.start();
  });
  afterAll(async () => {
    await anthropicFake.close();
    await openaiFake.close();
  });

  const env = (extra: Record<string, string> = {}) => ({
    NODE_ENV: 'test',
    API_KEYS,
    CHECKPOINT_SECRET: SECRET,
    LLM_PROVIDER: 'anthropic',
    LLM_MODEL: 'claude-e2e',
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: anthropicFake.origin,
    REDIS_URL: process.env.REDIS_URL!,
    REDIS_KEY_PREFIX: `e2e-${randomUUID()}:`,
    ...extra,
  });
  const ask = (api: Api, message: string) => api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message });

  it('runs the tool-calling demo through the Anthropic SDK', async () => {
    anthropicFake.respond = demoModel;
    const api = await startApi(env());
    try {
      const res = await ask(api, 'What time is it?');
      expect(res.status).toBe(200);
      expect(res.body.text).toMatch(/^The time is \d{4}-\d\d-\d\dT.*Z\.$/);
      expect(res.body.narrative).toEqual(expect.arrayContaining(['Assistant called clock({})', expect.stringMatching(/model claude-e2e via anthropic/)]));
      const [first, second] = anthropicFake.bodies<Record<string, unknown>>('/v1/messages').slice(-2);
      expect(first).toMatchObject({ model: 'claude-e2e', system: expect.stringContaining('clock tool') });
      expect((first.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(['clock', 'refund', 'askHuman']);
      expect((second.messages as unknown[]).length).toBe(3);
    } finally {
      await api.close();
    }
  });

  it('falls back to OpenAI while Anthropic is down, and says so in the narrative', async () => {
    anthropicFake.respond = () => ({ kind: 'error', status: 529, message: 'Overloaded' });
    openaiFake.respond = () => ({ text: 'served by the fallback' });
    const api = await startApi(env({ LLM_FALLBACK_PROVIDER: 'openai', LLM_FALLBACK_MODEL: 'gpt-e2e', OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: `${openaiFake.origin}/v1` }));
    try {
      const res = await ask(api, 'hello');
      expect(res.status).toBe(200);
      expect(res.body.text).toBe('served by the fallback');
      expect(res.body.narrative).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}retrying anthropic \(attempt 2\)/), '  falling back from anthropic to openai after overloaded']));
      expect(openaiFake.bodies('/chat/completions').at(-1)).toMatchObject({ model: 'gpt-e2e' });
    } finally {
      await api.close();
    }
  });

  it('two instances on one Redis share the breaker: failures seen by one open it for both', async () => {
    anthropicFake.respond = () => ({ kind: 'error', status: 500, message: 'boom' });
    const shared = env({ REDIS_KEY_PREFIX: `e2e-shared-${randomUUID()}:` });
    const a = await startApi(shared);
    const b = await startApi(shared);
    try {
      // Three attempts per request; the fifth consecutive failure opens the circuit (threshold 5).
      expect((await ask(a, 'one')).status).toBe(502);
      const second = await ask(a, 'two');
      expect(second.status).toBe(503);
      expect(second.body.error.code).toBe('provider_unavailable');
      const before = anthropicFake.requests.length;
      const fromB = await ask(b, 'three');
      expect(fromB.status).toBe(503);
      expect(fromB.body.error.code).toBe('provider_unavailable');
      expect(Number(fromB.headers['retry-after'])).toBeGreaterThan(0);
      expect(anthropicFake.requests.length).toBe(before);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
