import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AnthropicFake } from '@agentnest/providers/testing';
import { OtlpReceiver, type ReceivedSpan } from '@agentnest/observability/testing';
import { freePort } from '../apps/api/src/redis/local-redis.js';
import { API_KEYS, bearer, KEYS, SECRET } from './harness.js';
import { eventually } from './eventually.js';

// The compiled service as it runs in production: an API process and a worker process, each started
// with the instrumentation preload, exporting OTLP/HTTP to a receiver in this test.
const PRICING = { 'claude-telemetry': { input: 3, output: 15 } };

describe('telemetry across the queue: one trace per run, GenAI attributes, metrics and correlated logs', () => {
  const receiver = new OtlpReceiver();
  const fake = new AnthropicFake('sk-ant-telemetry-secret');
  const children: ChildProcess[] = [];
  const output = new Map<ChildProcess, string>();
  let http: ReturnType<typeof request>;

  function start(role: 'api' | 'worker', port: number): ChildProcess {
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      PORT: String(port),
      APP_ROLE: role,
      API_KEYS,
      CHECKPOINT_SECRET: SECRET,
      REDIS_URL: process.env.REDIS_URL!,
      REDIS_KEY_PREFIX: `e2e-otel-${prefix}:`,
      LLM_PROVIDER: 'anthropic',
      LLM_MODEL: 'claude-telemetry',
      ANTHROPIC_API_KEY: 'sk-ant-telemetry-secret',
      ANTHROPIC_BASE_URL: fake.origin,
      LLM_PRICING: JSON.stringify(PRICING),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin,
      OTEL_SERVICE_NAME: `agentnest-${role}`,
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    };
    const child = spawn(process.execPath, ['--import', './apps/api/dist/instrumentation.js', 'apps/api/dist/main.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    output.set(child, '');
    const keep = (d: Buffer) => output.set(child, output.get(child)! + d.toString());
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.push(child);
    return child;
  }
  const prefix = randomUUID();
  // The harness's condition wait, with the children's output when it times out.
  const until = (what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000) =>
    eventually(what, async () => ((await predicate()) ? true : undefined), { timeoutMs, everyMs: 50 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${[...output.values()].join('\n').slice(-3000)}`);
    });

  beforeAll(async () => {
    await receiver.start();
    await fake.start();
    const port = await freePort();
    const api = start('api', port);
    start('worker', 0);
    await until('the API to listen', () => /Listening on/.test(output.get(api)!), 30_000);
    await until('the worker to start', () => /Worker running/.test(output.get(children[1])!), 30_000);
    http = request(`http://127.0.0.1:${port}`);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once('exit', r), c.kill('SIGTERM'))))));
    await receiver.close();
    await fake.close();
  });

  const settled = async (runId: string) => {
    let body: { status: string; usage?: { inputTokens: number; outputTokens: number } } = { status: 'queued' };
    await until(`run ${runId}`, async () => {
      body = (await http.get(`/v1/runs/${runId}`).set(bearer(KEYS.acmeAlice))).body;
      return ['completed', 'failed', 'paused'].includes(body.status);
    });
    return body;
  };
  const inTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
  const one = (spans: ReceivedSpan[], name: string | RegExp) => {
    const found = spans.filter((s) => (typeof name === 'string' ? s.name === name : name.test(s.name)));
    expect(found.map((s) => s.name)).toHaveLength(1);
    return found[0];
  };

  it('a run queued over HTTP and finished by the worker is one trace: HTTP > process > invoke_agent > chat / execute_tool', async () => {
    let call = 0;
    fake.respond = () => (++call % 2 === 1 ? { toolCalls: [{ name: 'clock', args: {} }], usage: { inputTokens: 40, outputTokens: 12 } } : { text: 'It is noon.', usage: { inputTokens: 60, outputTokens: 8 } });
    const queued = await http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'what time is it?', conversationId: 'otel-1' });
    expect(queued.status).toBe(202);
    const run = await settled(queued.body.runId);
    expect(run.status).toBe('completed');

    // Each process exports on its own schedule: wait for the API's request span as well as the worker's spans.
    await until('the run spans', () => {
      const root = receiver.spans.find((s) => s.name === 'invoke_agent assistant' && s.attributes['agentnest.run.id'] === queued.body.runId);
      return !!root && receiver.spans.filter((s) => s.traceId === root.traceId && s.name === 'chat claude-telemetry').length >= 2 && receiver.spans.some((s) => s.traceId === root.traceId && s.kind === 2 && /^POST/.test(s.name));
    });
    const root = receiver.spans.find((s) => s.name === 'invoke_agent assistant' && s.attributes['agentnest.run.id'] === queued.body.runId)!;
    const trace = inTrace(root.traceId);
    const servers = trace.filter((s) => s.kind === 2 && /^POST/.test(s.name)); // SERVER: the API's request, not the SDK's calls
    expect(servers).toHaveLength(1);
    const server = servers[0];
    expect(server.resource['service.name']).toBe('agentnest-api');
    expect(server.parentSpanId).toBeUndefined();
    const processSpan = one(trace, 'process agentnest-runs');
    expect(processSpan.resource['service.name']).toBe('agentnest-worker');
    expect(processSpan.kind).toBe(5); // CONSUMER
    // The worker's span hangs under the API's request (directly or below its express middleware spans).
    const apiSpanIds = new Set(trace.filter((s) => s.resource['service.name'] === 'agentnest-api').map((s) => s.spanId));
    expect(apiSpanIds.has(processSpan.parentSpanId!)).toBe(true);
    expect(root.parentSpanId).toBe(processSpan.spanId);
    const chats = trace.filter((s) => s.name === 'chat claude-telemetry');
    expect(chats).toHaveLength(2);
    for (const c of chats) expect(c.parentSpanId).toBe(root.spanId);
    // The SDK's own request to the vendor is a child of its chat span (each chat has one; before, they hung elsewhere).
    for (const c of chats) {
      const vendorCalls = trace.filter((s) => s.kind === 3 && s.parentSpanId === c.spanId && String(s.attributes['url.full'] ?? '').endsWith('/v1/messages')); // CLIENT
      expect(vendorCalls).toHaveLength(1);
    }
    expect(chats[0].attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-telemetry',
      'gen_ai.response.model': 'claude-telemetry',
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.conversation.id': 'otel-1',
    });
    expect(one(trace, 'execute_tool clock').parentSpanId).toBe(root.spanId);
    // ioredis is instrumented in both processes (ESM loader hook).
    expect(trace.some((s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis')).toBe(true);
    // Nothing secret anywhere in what was exported.
    expect(JSON.stringify(receiver.spans)).not.toMatch(/sk-ant-telemetry-secret|e2e-key-acme-alice/);
  }, 40_000);

  it('a resumed run is linked to the run it continues', async () => {
    fake.respond = (req) => {
      const last = (req.body as { messages: Array<{ content: unknown }> }).messages.at(-1)!;
      return JSON.stringify(last.content).includes('tool_result') ? { text: 'Thanks for answering.' } : { toolCalls: [{ name: 'askHuman', args: { question: 'Which one?' } }] };
    };
    const queued = await http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'ask me something' });
    expect((await settled(queued.body.runId)).status).toBe('paused');
    expect((await http.post(`/v1/runs/${queued.body.runId}/resume`).set(bearer(KEYS.acmeAlice)).send({ answer: 'the blue one' })).status).toBe(202);
    expect((await settled(queued.body.runId)).status).toBe('completed');
    const processes = () => receiver.spans.filter((s) => s.name === 'process agentnest-runs' && s.attributes['agentnest.run.id'] === queued.body.runId);
    await until('both process spans', () => processes().length === 2);
    const [first, second] = processes();
    expect(second.traceId).not.toBe(first.traceId);
    expect(second.links).toEqual([{ traceId: first.traceId, spanId: first.spanId }]);
  }, 40_000);

  it('exports token, duration, cost, run and queue metrics, with cost equal to usage x price', async () => {
    await until('metrics', () => ['gen_ai.client.token.usage', 'gen_ai.client.operation.duration', 'agentnest.cost', 'agentnest.runs', 'agentnest.queue.wait', 'agentnest.queue.depth'].every((n) => receiver.metric(n)));
    // The worker process exports model metrics; totals cover both runs above.
    await until('the second run in metrics', () => (receiver.metric('agentnest.runs')?.points ?? []).reduce((n, p) => n + (p.value ?? 0), 0) >= 3);
    const tokens = receiver.metric('gen_ai.client.token.usage')!;
    const total = (type: string) => tokens.points.filter((p) => p.attributes['gen_ai.token.type'] === type).reduce((n, p) => n + p.sum!, 0);
    const cost = receiver.metric('agentnest.cost')!.points.reduce((n, p) => n + p.value!, 0);
    expect(cost).toBeCloseTo((total('input') * 3 + total('output') * 15) / 1e6, 10);
    expect(tokens.points[0].attributes).toMatchObject({ 'gen_ai.provider.name': 'anthropic', 'agentnest.tenant': 'acme' });
    expect(receiver.metric('agentnest.queue.wait')!.points[0].count).toBeGreaterThanOrEqual(3);
  }, 40_000);

  it('logs are JSON with trace_id and span_id, and reach the receiver as OTLP logs of the same trace', async () => {
    const queued = await http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'log me' });
    await settled(queued.body.runId);
    const server = () => receiver.spans.find((s) => s.name.startsWith('POST') && receiver.spans.some((p) => p.name === 'process agentnest-runs' && p.attributes['agentnest.run.id'] === queued.body.runId && p.traceId === s.traceId));
    await until('the request span', () => !!server());
    const traceId = server()!.traceId;
    await until('a log record of that trace', () => receiver.logs.some((l) => l.traceId === traceId));
    const apiOut = output.get(children[0])!;
    const lines = apiOut.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.trace_id === traceId);
    expect(line).toMatchObject({ trace_id: traceId, span_id: expect.stringMatching(/^[\da-f]{16}$/) });
    // The API key never reaches a log line.
    expect(apiOut).not.toContain(KEYS.acmeAlice);
    expect(JSON.stringify(receiver.logs)).not.toContain(KEYS.acmeAlice);
  }, 40_000);

  it("agents calling agents are one trace: a sub-agent's invoke_agent under the execute_tool that called it; a handoff is an event; cost names the agent that spent", async () => {
    type Body = { tools?: Array<{ name: string }>; messages: Array<{ content: unknown }> };
    fake.respond = (req) => {
      const body = req.body as Body;
      const tools = new Set((body.tools ?? []).map((t) => t.name));
      if (JSON.stringify(body.messages.at(-1)!.content).includes('tool_result')) return { text: 'Invoice 42 is paid.', usage: { inputTokens: 30, outputTokens: 5 } };
      if (tools.has('transfer_to_billing')) return { toolCalls: [{ name: 'transfer_to_billing', args: { reason: 'an invoice' } }], usage: { inputTokens: 10, outputTokens: 3 } };
      if (tools.has('billing')) return { toolCalls: [{ name: 'billing', args: { message: 'invoice 42?' } }], usage: { inputTokens: 20, outputTokens: 4 } };
      return { toolCalls: [{ name: 'invoice', args: { number: 42 } }], usage: { inputTokens: 25, outputTokens: 6 } };
    };
    const nested = await http.post('/v1/agents/concierge/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'ask billing about invoice 42' });
    expect(await settled(nested.body.runId)).toMatchObject({ status: 'completed' });
    const rootOf = (runId: string, agent: string) => receiver.spans.find((s) => s.name === `invoke_agent ${agent}` && s.attributes['agentnest.run.id'] === runId);
    await until('the sub-agent spans', () => {
      const root = rootOf(nested.body.runId, 'concierge');
      return !!root && inTrace(root.traceId).filter((s) => s.name === 'chat claude-telemetry').length >= 4 && inTrace(root.traceId).some((s) => s.name === 'execute_tool invoice');
    });
    const root = rootOf(nested.body.runId, 'concierge')!;
    const trace = inTrace(root.traceId);
    const callBilling = one(trace, 'execute_tool billing');
    expect(callBilling.parentSpanId).toBe(root.spanId);
    const sub = one(trace, 'invoke_agent billing');
    expect(sub.parentSpanId).toBe(callBilling.spanId);
    expect(sub.attributes).toMatchObject({ 'gen_ai.agent.name': 'billing', 'agentnest.run.status': 'completed', 'agentnest.tenant': 'acme' });
    expect(one(trace, 'execute_tool invoice').parentSpanId).toBe(sub.spanId);
    const chats = trace.filter((s) => s.name === 'chat claude-telemetry');
    expect(chats.filter((c) => c.parentSpanId === sub.spanId).map((c) => c.attributes['gen_ai.agent.name'])).toEqual(['billing', 'billing']);
    expect(chats.filter((c) => c.parentSpanId === root.spanId).map((c) => c.attributes['gen_ai.agent.name'])).toEqual(['concierge', 'concierge']);

    const handed = await http.post('/v1/agents/triage/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'invoice 42?' });
    expect(await settled(handed.body.runId)).toMatchObject({ status: 'completed', answeredBy: 'billing' });
    await until('the handoff run span', () => !!rootOf(handed.body.runId, 'triage'));
    const triage = rootOf(handed.body.runId, 'triage')!;
    expect(triage.events.filter((e) => e.name === 'agentnest.handoff').map((e) => e.attributes)).toEqual([{ 'agentnest.handoff.from': 'triage', 'agentnest.handoff.to': 'billing', 'agentnest.handoff.held': false }]);
    await until('billing chat spans in the handoff trace', () => inTrace(triage.traceId).filter((s) => s.name === 'chat claude-telemetry' && s.attributes['gen_ai.agent.name'] === 'billing').length === 2);
    await until('cost points for every agent', () => ['concierge', 'billing', 'triage'].every((agent) => receiver.metric('agentnest.cost')?.points.some((p) => p.attributes['gen_ai.agent.name'] === agent)));
  }, 40_000);
});
