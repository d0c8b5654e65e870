import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai';
import { AnthropicFake } from '@agentnest/providers/testing';
import { OtlpReceiver } from '@agentnest/observability/testing';
import { freePort } from '../apps/api/src/redis/local-redis.js';
import { API_KEYS, bearer, KEYS, parseSse, runSettled, SECRET, startApi, type Api } from './harness.js';
import { eventually } from './eventually.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';
const SEEDED = `my email is ${EMAIL} and my card is ${CARD}`;
const leaks = (text: string) => text.includes(EMAIL) || text.includes('4111 1111') || text.includes('4111111111111111');

/** The last user message text of an Anthropic Messages request. */
const lastUserText = (body: unknown) => {
  const content = (body as { messages: Array<{ content: string | Array<{ type: string; text?: string }> }> }).messages.at(-1)!.content;
  return typeof content === 'string' ? content : content.map((b) => b.text ?? '').join('');
};

describe('guardrails in the compiled service: seeded personal data never reaches the provider, memory, logs or spans', () => {
  const receiver = new OtlpReceiver();
  const fake = new AnthropicFake('sk-ant-guard');
  const services: ServiceProcess[] = [];
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    await receiver.start();
    await fake.start();
    // The model echoes what it was given, so a reply shows exactly what reached it.
    fake.respond = (req) => ({ text: `You said: ${lastUserText(req.body)}` });
    const env = {
      NODE_ENV: 'test',
      API_KEYS,
      CHECKPOINT_SECRET: SECRET,
      REDIS_URL: process.env.REDIS_URL!,
      REDIS_KEY_PREFIX: `e2e-guard-${randomUUID()}:`,
      MEMORY_STORE: 'redis',
      LLM_PROVIDER: 'anthropic',
      LLM_MODEL: 'claude-guard',
      ANTHROPIC_API_KEY: 'sk-ant-guard',
      ANTHROPIC_BASE_URL: fake.origin,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin,
      OTEL_SERVICE_NAME: 'agentnest-guard',
      // Content capture on and every log line kept: redaction must happen before either sees the message.
      OTEL_CAPTURE_CONTENT: 'true',
      LOG_LEVEL: 'trace',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    };
    const port = await freePort();
    services.push(await startServiceProcess({ ...env, APP_ROLE: 'api', PORT: String(port) }, { instrumented: true }));
    services.push(await startServiceProcess({ ...env, APP_ROLE: 'worker' }, { instrumented: true }));
    http = request(`http://127.0.0.1:${port}`);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await receiver.close();
    await fake.close();
  });

  it('redacts a direct and a queued run on the way in (on by default), and says so in the narrative', async () => {
    const direct = await http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: SEEDED, conversationId: 'guard-direct' });
    expect(direct.status).toBe(200);
    expect(direct.body.text).toBe('You said: my email is [EMAIL_1] and my card is [CARD_1]');
    expect(direct.body.narrative).toContain('Guardrail pii (input): rewrote it (redacted 1 email, 1 card)');
    const queued = await http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: SEEDED, conversationId: 'guard-queued' });
    let run: { status: string; text?: string } = { status: 'queued' };
    await eventually('the queued run', async () => {
      run = (await http.get(`/v1/runs/${queued.body.runId}`).set(bearer(KEYS.acmeAlice))).body;
      return run.status === 'completed' ? true : undefined;
    });
    expect(run.text).toBe(direct.body.text);
    const events = await http.get(`/v1/runs/${queued.body.runId}/events`).set(bearer(KEYS.acmeAlice));

    // What reached the model, memory, the run's events, the spans, the OTLP logs and the processes' output.
    await eventually('the spans of both runs', async () => (receiver.spans.filter((s) => s.name === 'invoke_agent assistant').length >= 2 ? true : undefined));
    const history = await Promise.all(['guard-direct', 'guard-queued'].map((id) => http.get(`/v1/conversations/${id}/messages`).set(bearer(KEYS.acmeAlice))));
    const seen = {
      provider: JSON.stringify(fake.requests.map((r) => r.body)),
      memory: JSON.stringify(history.map((h) => h.body)),
      events: events.text,
      spans: JSON.stringify(receiver.spans),
      logs: JSON.stringify(receiver.logs) + services.map((p) => p.output()).join('\n'),
    };
    const leaky = receiver.spans.filter((s) => leaks(JSON.stringify(s))).map((s) => `${s.name} ${JSON.stringify(s.attributes).slice(0, 300)}`);
    expect(leaky).toEqual([]);
    for (const [where, text] of Object.entries(seen)) expect([where, leaks(text)]).toEqual([where, false]);
    // Content capture is on: the spans do carry the (redacted) message, so the check above is not vacuous.
    expect(seen.spans).toContain('[EMAIL_1]');
    expect(seen.provider).toContain('[CARD_1]');
  }, 60_000);
});

describe('per-tenant guardrails from GUARDRAILS over HTTP: direct, queued and chat answer the same', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({
      NODE_ENV: 'test',
      API_KEYS,
      CHECKPOINT_SECRET: SECRET,
      REDIS_URL: process.env.REDIS_URL!,
      REDIS_KEY_PREFIX: `e2e-guard-cfg-${randomUUID()}:`,
      JOBS_BACKOFF_MS: '10',
      GUARDRAILS: JSON.stringify({ pii: {}, maxInput: { chars: 40 }, tenants: { globex: { pii: false, maxInput: { chars: 12 } } } }),
    });
  });
  afterAll(() => api.close());

  const LONG = 'please read this message which is too long';

  it('a tripped input guardrail is 422 guardrail_tripped for a direct run, before any model call; per-tenant settings apply', async () => {
    const res = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: LONG, conversationId: 'cfg-1' });
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({ code: 'guardrail_tripped', message: 'blocked by the max-input guardrail (input): the message has 42 characters; at most 40 are allowed' });
    expect((await api.http.get('/v1/conversations/cfg-1/messages').set(bearer(KEYS.acmeAlice))).body.messages).toEqual([]);
    // Acme redacts; globex turned redaction off and has a tighter limit.
    expect((await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: `mail ${EMAIL}` })).body.text).toBe('You said: mail [EMAIL_1]');
    expect((await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.globexAlice)).send({ message: 'a@b.co' })).body.text).toBe('You said: a@b.co');
    const globex = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.globexAlice)).send({ message: 'thirteen char' });
    expect([globex.status, globex.body.error.code]).toEqual([422, 'guardrail_tripped']);
  });

  it('a queued run ends blocked with the same error, and its event stream ends with it', async () => {
    const queued = await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: LONG, conversationId: 'cfg-q' });
    expect(queued.status).toBe(202);
    const run = await runSettled(api, queued.body.runId);
    expect(run).toMatchObject({ status: 'blocked', error: { code: 'guardrail_tripped', message: 'blocked by the max-input guardrail (input): the message has 42 characters; at most 40 are allowed' } });
    const events = parseSse((await api.http.get(`/v1/runs/${queued.body.runId}/events`).set(bearer(KEYS.acmeAlice))).text);
    expect(events.at(-1)).toMatchObject({ type: 'status', data: { status: 'blocked', error: { code: 'guardrail_tripped' } } });
    expect((await api.http.get('/v1/conversations/cfg-q/messages').set(bearer(KEYS.acmeAlice))).body.messages).toEqual([]);
  });

  it('an answer a guardrail trips on is 422 and uses nothing up: the run still waits, direct or queued, and a shorter answer continues it', async () => {
    const as = bearer(KEYS.acmeAlice);
    const direct = (await api.http.post('/v1/agents/assistant/runs').set(as).send({ message: 'please ask me something' })).body;
    expect(direct.status).toBe('paused');
    const refused = await api.http.post('/v1/agents/assistant/runs/resume').set(as).send({ checkpoint: direct.checkpoint, answer: LONG });
    expect([refused.status, refused.body.error.code]).toEqual([422, 'guardrail_tripped']);
    expect((await api.http.post('/v1/agents/assistant/runs/resume').set(as).send({ checkpoint: direct.checkpoint, answer: 'blue' })).body).toMatchObject({ status: 'completed' });

    const { runId } = (await api.http.post('/v1/agents/assistant/jobs').set(as).send({ message: 'please ask me something' })).body;
    expect((await runSettled(api, runId)).status).toBe('paused');
    const queued = await api.http.post(`/v1/runs/${runId}/resume`).set(as).send({ answer: LONG });
    expect([queued.status, queued.body.error.code]).toEqual([422, 'guardrail_tripped']);
    expect((await api.http.get(`/v1/runs/${runId}`).set(as)).body.status).toBe('paused');
    expect((await api.http.post(`/v1/runs/${runId}/resume`).set(as).send({ answer: 'blue' })).status).toBe(202);
    expect(await runSettled(api, runId)).toMatchObject({ status: 'completed' });
  });

  it('a chat turn that trips ends with an error part the AI SDK client shows', async () => {
    await api.app.listen(0, '127.0.0.1');
    const transport = new DefaultChatTransport({ api: `${await api.app.getUrl()}/v1/agents/assistant/chat`, headers: bearer(KEYS.acmeAlice) });
    const user: UIMessage = { id: randomUUID(), role: 'user', parts: [{ type: 'text', text: LONG }] };
    const stream = await transport.sendMessages({ chatId: randomUUID(), messages: [user], trigger: 'submit-message', messageId: undefined, abortSignal: undefined });
    const errors: string[] = [];
    let message: UIMessage | undefined;
    for await (const m of readUIMessageStream({ stream, onError: (e) => errors.push(String((e as Error).message ?? e)) })) message = m;
    expect(errors).toEqual(['guardrail_tripped: blocked by the max-input guardrail (input): the message has 42 characters; at most 40 are allowed']);
    expect(message?.metadata).toMatchObject({ status: 'blocked' });
  });
});
