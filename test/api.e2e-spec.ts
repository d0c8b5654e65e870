import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bearer, KEYS, startApi, type Api } from './harness.js';

describe('reference API', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const run = (message: string, conversationId?: string, key = KEYS.acmeAlice) =>
    api.http.post('/v1/agents/assistant/runs').set(bearer(key)).send(conversationId ? { message, conversationId } : { message });

  it('echoes a plain message with usage and a narrative', async () => {
    const res = await run('hello there');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', text: 'You said: hello there', stoppedEarly: false, runId: expect.any(String), conversationId: expect.any(String) });
    expect(res.body.usage.inputTokens).toBeGreaterThan(0);
    expect(res.body.usage.outputTokens).toBeGreaterThan(0);
    expect(res.body.usage).toEqual({ inputTokens: res.body.usage.inputTokens, outputTokens: res.body.usage.outputTokens, totalTokens: res.body.usage.inputTokens + res.body.usage.outputTokens });
    expect(res.body.narrative[0]).toBe('User: "hello there"');
    expect(res.body.narrative.at(-1)).toMatch(/^Run completed: 1 model call/);
  });

  it('calls the clock tool for "time" and answers with its result', async () => {
    const res = await run('What time is it?');
    expect(res.status).toBe(200);
    expect(res.body.text).toMatch(/^The time is \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\.$/);
    expect(res.body.narrative).toEqual(expect.arrayContaining(['Assistant called clock({})', expect.stringMatching(/^Tool clock returned "\d{4}-/)]));
  });

  it('answers in JSON with responseFormat, through the tool call', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string', pattern: '^The time is ' } }, required: ['answer'] };
    const res = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'What time is it?', responseFormat: { schema } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ outputTier: 'model', output: { answer: expect.stringMatching(/^The time is \d{4}-/) } });
    expect(JSON.parse(res.body.text)).toEqual(res.body.output);
  });

  it('remembers the conversation: "what did I say" quotes the previous user message', async () => {
    const first = await run('my favourite colour is green', 'conv-memory');
    expect(first.body.conversationId).toBe('conv-memory');
    const second = await run('what did I say?', 'conv-memory');
    expect(second.body.text).toBe('You said: my favourite colour is green');
    const fresh = await run('what did I say?', 'conv-other');
    expect(fresh.body.text).toBe('You have not said anything before in this conversation.');
  });

  it('pauses on "ask me" and continues with the answer', async () => {
    const paused = await run('please ask me something', 'conv-pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'paused', pauseData: { kind: 'question', question: expect.any(String) }, checkpoint: { v: 2, sig: expect.any(String) } });
    const resumed = await api.http.post('/v1/agents/assistant/runs/resume').set(bearer(KEYS.acmeAlice)).send({ checkpoint: paused.body.checkpoint, answer: 'blue' });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ status: 'completed', text: 'You answered: blue', runId: paused.body.runId, conversationId: 'conv-pause' });
    const history = await api.http.get('/v1/conversations/conv-pause/messages').set(bearer(KEYS.acmeAlice));
    expect(history.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('lists the agents and their tools', async () => {
    const res = await api.http.get('/v1/agents').set(bearer(KEYS.acmeAlice));
    expect(res.status).toBe(200);
    const names = (tools: Array<{ name: string }>) => tools.map((t) => t.name);
    expect(res.body.agents.map((a: { name: string; provider: string; tools: Array<{ name: string }>; handoffs: string[] }) => [a.name, a.provider, names(a.tools), a.handoffs])).toEqual([
      ['assistant', 'mock', ['clock', 'refund', 'askHuman'], []],
      ['triage', 'mock', ['transfer_to_assistant', 'transfer_to_billing'], ['assistant', 'billing']],
      ['billing', 'mock', ['invoice', 'refund', 'askHuman', 'transfer_to_triage'], ['triage']],
      ['concierge', 'mock', ['assistant', 'billing'], []],
    ]);
    // An agent called as a tool takes one message; a handoff takes a reason.
    const concierge = res.body.agents.find((a: { name: string }) => a.name === 'concierge');
    expect(concierge.tools[1]).toEqual({ name: 'billing', description: 'Billing: looks up invoices and refunds them after an approval', inputSchema: expect.objectContaining({ required: ['message'] }) });
  });

  it("returns the caller's history of a conversation, newest last, with a limit", async () => {
    await run('one', 'conv-history');
    await run('two', 'conv-history');
    const all = await api.http.get('/v1/conversations/conv-history/messages').set(bearer(KEYS.acmeAlice));
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      conversationId: 'conv-history',
      messages: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'You said: one' },
        { role: 'user', content: 'two' },
        { role: 'assistant', content: 'You said: two' },
      ],
    });
    const last = await api.http.get('/v1/conversations/conv-history/messages?limit=1').set(bearer(KEYS.acmeAlice));
    expect(last.body.messages).toEqual([{ role: 'assistant', content: 'You said: two' }]);
  });

  it('reports health without an API key', async () => {
    const res = await api.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { memory: { status: 'up', store: 'memory' }, agents: { status: 'up', count: 4 }, circuits: { status: 'up', degraded: false, circuits: { mock: 'closed' } } } });
  });

  it('tells a key who it acts as (GET /v1/me), and nobody without one', async () => {
    expect((await api.http.get('/v1/me').set(bearer(KEYS.acmeBob))).body).toEqual({ tenant: 'acme', principal: 'bob', roles: [] });
    expect((await api.http.get('/v1/me')).status).toBe(401);
  });

  it('documents every endpoint and body in OpenAPI and serves Swagger UI', async () => {
    const doc = await api.http.get('/openapi.json');
    expect(doc.status).toBe(200);
    const paths = doc.body.paths;
    expect(Object.keys(paths).sort()).toEqual(['/health', '/v1/agents', '/v1/agents/{agent}/runs', '/v1/agents/{agent}/runs/resume', '/v1/conversations/{conversationId}', '/v1/conversations/{conversationId}/messages', '/v1/me', '/v1/memory', '/v1/usage']);
    expect(paths['/v1/usage'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['from', 'to']);
    expect(paths['/v1/memory'].delete).toBeDefined();
    expect(paths['/v1/conversations/{conversationId}'].delete).toBeDefined();
    const runOp = paths['/v1/agents/{agent}/runs'].post;
    expect(runOp.requestBody.content['application/json'].schema.required).toEqual(['message']);
    expect(runOp.responses['200'].content['application/json'].schema.properties.narrative).toBeDefined();
    expect(paths['/v1/agents/{agent}/runs/resume'].post.requestBody.content['application/json'].schema.required).toEqual(['checkpoint', 'answer']);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ui = await api.http.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    // The docs refuse framing and foreign script; every response, JSON errors included, forbids sniffing.
    expect(ui.headers['content-security-policy']).toMatch(/script-src 'self';.*frame-ancestors 'none'/);
    expect(ui.headers['x-frame-options']).toBe('DENY');
    for (const res of [ui, doc, await api.http.get('/v1/me'), await api.http.get('/nowhere')]) expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
