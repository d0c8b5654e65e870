import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Agent, defineTool, rewrite, trip } from '@agentnest/agent';
import { mock, ProviderError, withRetry } from '@agentnest/providers';
import { OtlpReceiver } from './testing/otlp-receiver.js';
import { OTelRecorder } from './otel.recorder.js';
import { DURATION_BUCKETS, TOKEN_BUCKETS } from './genai.js';

// The recorder's spans and metrics go through the real OTLP/HTTP exporters into a loopback receiver.
const receiver = new OtlpReceiver();
let tracerProvider: BasicTracerProvider;
let meterProvider: MeterProvider;
beforeAll(async () => {
  await receiver.start();
  tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.origin}/v1/traces` }))] });
  meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${receiver.origin}/v1/metrics` }), exportIntervalMillis: 3_600_000 })] });
});
afterAll(async () => {
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  await receiver.close();
});
beforeEach(() => {
  receiver.spans.length = 0;
});

const flush = async () => {
  await tracerProvider.forceFlush();
  await meterProvider.forceFlush();
};
const recorder = (options: Partial<ConstructorParameters<typeof OTelRecorder>[0]> = {}) =>
  new OTelRecorder({ tracer: tracerProvider.getTracer('test'), meter: meterProvider.getMeter(`test-${Math.random()}`), ...options });

const echo = defineTool<{ text: string }>({
  name: 'echo',
  description: 'echo',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  execute: ({ text }) => `echo:${text} sk-secret-in-result`,
});
const pricingTable = { 'model-x': { input: 3, output: 15, cacheRead: 0.3 } };
const identity = { tenant: 'acme', principal: 'alice', conversationId: 'conv-1' };

describe('OTelRecorder', () => {
  it('emits invoke_agent > chat / execute_tool spans with GenAI attributes, and token, duration, cost and run metrics', async () => {
    const provider = mock({
      name: 'anthropic',
      replies: [
        { toolCalls: [{ name: 'echo', args: { text: 'hi sk-secret-arg' } }], usage: { inputTokens: 220, outputTokens: 30, inputTokenDetails: { cacheReadTokens: 100 } } },
        { text: 'done', usage: { inputTokens: 200, outputTokens: 50 } },
      ],
    });
    const agent = Agent.create({ name: 'helper', provider, model: 'model-x', tools: [echo], pricingTable, maxTokens: 256, temperature: 0.2 });
    const metered = recorder();
    agent.attach(metered);
    await agent.run({ message: 'please echo sk-secret-in-prompt', identity });
    await flush();

    const byName = (n: string) => receiver.spans.filter((s) => s.name === n);
    const [root] = byName('invoke_agent helper');
    expect(root.parentSpanId).toBeUndefined();
    expect(root.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'helper', 'gen_ai.conversation.id': 'conv-1', 'agentnest.tenant': 'acme', 'agentnest.run.status': 'completed' });
    const chats = byName('chat model-x');
    expect(chats).toHaveLength(2);
    for (const c of chats) {
      expect(c.parentSpanId).toBe(root.spanId);
      expect(c.traceId).toBe(root.traceId);
      expect(c.kind).toBe(3); // CLIENT
    }
    expect(chats[0].attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.agent.name': 'helper',
      'gen_ai.conversation.id': 'conv-1',
      'gen_ai.request.model': 'model-x',
      'gen_ai.request.max_tokens': 256,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.response.model': 'model-x',
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.usage.input_tokens': 220, // every prompt token, the 100 cache reads included
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.cache_read.input_tokens': 100,
    });
    expect(chats[1].attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    const [tool] = byName('execute_tool echo');
    expect(tool.parentSpanId).toBe(root.spanId);
    expect(tool.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'echo', 'gen_ai.tool.call.id': expect.any(String), 'gen_ai.tool.type': 'function' });
    // Contents stay out unless opted in.
    expect(JSON.stringify(receiver.spans)).not.toMatch(/sk-secret/);

    const tokens = receiver.metric('gen_ai.client.token.usage')!;
    expect(tokens.unit).toBe('{token}');
    const sumOf = (type: string) => tokens.points.filter((p) => p.attributes['gen_ai.token.type'] === type).reduce((n, p) => n + p.sum!, 0);
    expect([sumOf('input'), sumOf('output')]).toEqual([420, 80]);
    expect(tokens.points[0].explicitBounds).toEqual(TOKEN_BUCKETS);
    expect(tokens.points[0].attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'model-x', 'gen_ai.agent.name': 'helper', 'agentnest.tenant': 'acme' });
    const duration = receiver.metric('gen_ai.client.operation.duration')!;
    expect(duration.unit).toBe('s');
    expect(duration.points[0].count).toBe(2);
    expect(duration.points[0].explicitBounds).toEqual(DURATION_BUCKETS);
    // Cost equals usage x price, the 120 uncached prompt tokens at the input rate: (120*3 + 30*15 + 100*0.3 + 200*3 + 50*15) / 1e6.
    const cost = receiver.metric('agentnest.cost')!;
    expect(cost.points.reduce((n, p) => n + p.value!, 0)).toBeCloseTo((120 * 3 + 30 * 15 + 100 * 0.3 + 200 * 3 + 50 * 15) / 1e6, 12);
    expect(receiver.metric('agentnest.runs')!.points).toEqual([expect.objectContaining({ value: 1, attributes: expect.objectContaining({ 'agentnest.run.status': 'completed' }) })]);
  });

  it('records contents only when opted in', async () => {
    const agent = Agent.create({ name: 'open', provider: mock({ reply: 'visible reply' }), model: 'model-x' });
    agent.attach(recorder({ captureContent: true }));
    await agent.run({ message: 'visible prompt', identity });
    await flush();
    expect(receiver.spans.find((s) => s.name === 'invoke_agent open')!.attributes['gen_ai.input.messages']).toMatch(/visible prompt/);
    expect(receiver.spans.find((s) => s.name === 'chat model-x')!.attributes['gen_ai.output.messages']).toMatch(/visible reply/);
  });

  it('marks failures with span status and error.type, and puts retries on the chat span as events', async () => {
    let calls = 0;
    const flaky = {
      name: 'openai',
      complete: async () => {
        calls++;
        if (calls === 1) throw new ProviderError('overloaded', 'openai', 'busy', 503);
        throw new ProviderError('bad_request', 'openai', 'bad request', 400);
      },
    };
    const agent = Agent.create({ name: 'failing', provider: withRetry(flaky, { maxAttempts: 3, initialDelayMs: 1 }), model: 'model-x' });
    agent.attach(recorder());
    await expect(agent.run({ message: 'x', identity })).rejects.toBeInstanceOf(ProviderError);
    await flush();
    const chat = receiver.spans.find((s) => s.name === 'chat model-x')!;
    expect(chat.status.code).toBe(2); // ERROR
    expect(chat.attributes['error.type']).toBe('bad_request');
    expect(chat.events.map((e) => e.name)).toEqual(['agentnest.retry']);
    expect(chat.events[0].attributes).toMatchObject({ provider: 'openai', attempt: 2, code: 'overloaded' });
    const root = receiver.spans.find((s) => s.name === 'invoke_agent failing')!;
    expect([root.status.code, root.attributes['error.type'], root.attributes['agentnest.run.status']]).toEqual([2, 'bad_request', 'failed']);
  });

  it("puts guardrail decisions on the run's span, and ends the chat span a tripwire cancelled", async () => {
    const hanging = { name: 'openai', complete: (_req: unknown, opts?: { signal?: AbortSignal }) => new Promise<never>((_, reject) => opts?.signal?.addEventListener('abort', () => reject(opts.signal!.reason))) };
    const agent = Agent.create({
      name: 'guarded',
      provider: hanging,
      model: 'model-x',
      guardrails: { input: [{ name: 'pii', check: () => rewrite('redacted') }, { name: 'topic', mode: 'parallel', check: () => trip('off topic') }] },
    });
    agent.attach(recorder());
    expect((await agent.run({ message: 'x', identity })).status).toBe('blocked');
    await flush();
    const root = receiver.spans.find((s) => s.name === 'invoke_agent guarded')!;
    expect(root.attributes['agentnest.run.status']).toBe('blocked');
    expect(root.events.filter((e) => e.name === 'agentnest.guardrail').map((e) => e.attributes)).toEqual([
      { 'agentnest.guardrail.name': 'pii', 'agentnest.guardrail.stage': 'input', 'agentnest.guardrail.action': 'rewrite' },
      { 'agentnest.guardrail.name': 'topic', 'agentnest.guardrail.stage': 'input', 'agentnest.guardrail.action': 'trip', 'agentnest.guardrail.reason': 'off topic' },
    ]);
    const chat = receiver.spans.find((s) => s.name === 'chat model-x' && s.parentSpanId === root.spanId)!;
    expect(chat.attributes['agentnest.run.status']).toBe('blocked');
  });

  it('caps distinct tenant values on metrics', async () => {
    const metered = recorder({ maxTenants: 2 });
    for (const tenant of ['t1', 't2', 't3', 't4', 't1']) {
      const agent = Agent.create({ name: 'capped', provider: mock({ reply: 'ok' }), model: 'model-x', pricingTable });
      agent.attach(metered);
      await agent.run({ message: 'x', identity: { ...identity, tenant } });
    }
    await flush();
    const runs = receiver.metric('agentnest.runs')!.points.filter((p) => p.attributes['gen_ai.agent.name'] === 'capped');
    expect(Object.fromEntries(runs.map((p) => [p.attributes['agentnest.tenant'], p.value]))).toEqual({ t1: 2, t2: 1, other: 2 });
  });
});
