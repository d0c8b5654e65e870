// Agent loop overhead on the mock provider: N two-step runs (one tool call, then a reply), bare vs
// with a NarrativeRecorder attached vs full telemetry (OTelRecorder with the OpenTelemetry SDK's batch
// processors exporting OTLP/HTTP to a receiver in this process) vs the OTel floor (the bare run, then
// the same spans, attributes and metric records made directly with the OpenTelemetry API: what
// telemetry costs with no AgentNest code in between) vs the Vercel AI SDK's generateText running the
// same two steps on its own mock model. Alternating rounds so machine noise hits all. Run with
// `npm run bench:agent` (builds first). Prints ratios; absolute times vary by machine.
import { context, metrics, SpanKind, trace } from '@opentelemetry/api';
import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { Agent, NarrativeRecorder, defineTool } from '@agentnest/agent';
import { OTelRecorder, startTelemetry } from '@agentnest/observability';
import { OtlpReceiver } from '@agentnest/observability/testing';
import { mock } from '@agentnest/providers';

const RUNS_PER_ROUND = Number(process.env.BENCH_RUNS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const HEAP_RUNS = 10_000;

const lookup = defineTool({
  name: 'lookup',
  description: 'Look up a value',
  inputSchema: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
  execute: ({ key }) => ({ key, value: key.length }),
});
// Two steps per run: a tool call on the first model call, a reply after the tool result.
const provider = mock({
  respond: (req) => (req.messages.at(-1).role === 'tool' ? 'done' : { toolCalls: [{ name: 'lookup', args: { key: 'answer' } }] }),
});

const receiver = await new OtlpReceiver().start();
// A queue large enough that the batch processor exports every span instead of dropping under load,
// so the row measures the whole cost of telemetry.
Object.assign(process.env, {
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin,
  OTEL_SERVICE_NAME: 'bench',
  OTEL_METRIC_EXPORT_INTERVAL: '1000',
  OTEL_BSP_SCHEDULE_DELAY: '200',
  OTEL_BSP_MAX_QUEUE_SIZE: '200000',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '8192',
});
const telemetry = startTelemetry();
const otel = new OTelRecorder();
let tracedRuns = 0;

// The floor: what OTelRecorder records for this run shape (an invoke_agent span with two chat spans
// and an execute_tool span, their GenAI attributes, memory events, token, duration, cost and run
// metrics, and the chat and tool spans made active around the work), straight on the OTel API.
const tracer = trace.getTracer('bench-floor');
const meter = metrics.getMeter('bench-floor');
const floorMetrics = {
  tokens: meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}' }),
  duration: meter.createHistogram('gen_ai.client.operation.duration', { unit: 's' }),
  cost: meter.createCounter('agentnest.cost', { unit: 'USD' }),
  runs: meter.createCounter('agentnest.runs', { unit: '{run}' }),
};
function floorTelemetry(i, runId) {
  const conversation = `c${i}`;
  const root = tracer.startSpan('invoke_agent bench', { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'bench', 'gen_ai.conversation.id': conversation, 'agentnest.run.id': runId, 'agentnest.tenant': 't' } }, context.active());
  const ctx = trace.setSpan(context.active(), root);
  root.addEvent('agentnest.memory.read', { store: 'memory', count: 0 });
  const chat = (finish) => {
    const span = tracer.startSpan('chat m', { kind: SpanKind.CLIENT, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.conversation.id': conversation, 'gen_ai.agent.name': 'bench' } }, ctx);
    context.with(trace.setSpan(context.active(), span), () => undefined);
    span.setAttributes({ 'gen_ai.provider.name': 'mock', 'gen_ai.response.model': 'm', 'gen_ai.response.finish_reasons': [finish], 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 });
    span.end();
    const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.agent.name': 'bench', 'agentnest.tenant': 't', 'gen_ai.provider.name': 'mock', 'gen_ai.response.model': 'm' };
    floorMetrics.tokens.record(10, { ...attrs, 'gen_ai.token.type': 'input' });
    floorMetrics.tokens.record(5, { ...attrs, 'gen_ai.token.type': 'output' });
    floorMetrics.duration.record(0.001, attrs);
    floorMetrics.cost.add(0.00002, { 'gen_ai.agent.name': 'bench', 'gen_ai.request.model': 'm', 'agentnest.tenant': 't' });
  };
  chat('tool_calls');
  const tool = tracer.startSpan('execute_tool lookup', { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup', 'gen_ai.tool.call.id': 'call_1', 'gen_ai.tool.type': 'function' } }, ctx);
  context.with(trace.setSpan(context.active(), tool), () => undefined);
  tool.end();
  chat('stop');
  root.addEvent('agentnest.memory.write', { store: 'memory', count: 4 });
  root.setAttribute('agentnest.run.status', 'completed');
  root.end();
  floorMetrics.runs.add(1, { 'gen_ai.agent.name': 'bench', 'agentnest.run.status': 'completed', 'agentnest.tenant': 't' });
}

// The AI SDK's tool loop on its own mock model: a tool call, then a reply after the tool result.
const aiUsage = { inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 5, text: 5, reasoning: undefined } };
const aiTools = {
  lookup: tool({ description: 'Look up a value', inputSchema: jsonSchema({ type: 'object', properties: { key: { type: 'string' } }, required: ['key'] }), execute: async ({ key }) => ({ key, value: key.length }) }),
};
async function aiSdkRun(i) {
  const model = new MockLanguageModelV4({
    doGenerate: async ({ prompt }) =>
      prompt.at(-1).role === 'tool'
        ? { content: [{ type: 'text', text: 'done' }], finishReason: { unified: 'stop', raw: 'stop' }, usage: aiUsage, warnings: [] }
        : { content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'lookup', input: '{"key":"answer"}' }], finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: aiUsage, warnings: [] },
  });
  const r = await generateText({ model, tools: aiTools, stopWhen: stepCountIs(5), prompt: `question ${i}` });
  if (r.text !== 'done') throw new Error('unexpected AI SDK result');
}

async function oneRun(i, mode) {
  if (mode === 'AI SDK') return aiSdkRun(i);
  const agent = Agent.create({ name: 'bench', provider, model: 'm', tools: [lookup], pricingTable: { m: { input: 1, output: 2 } } });
  if (mode === 'narrative') agent.attach(new NarrativeRecorder());
  if (mode === 'telemetry') agent.attach(otel);
  if (mode === 'telemetry' || mode === 'OTel floor') tracedRuns++;
  const r = await agent.run({ message: `question ${i}`, identity: { tenant: 't', principal: 'p', conversationId: `c${i}` } });
  if (r.status !== 'completed' || r.text !== 'done') throw new Error('unexpected result');
  if (mode === 'OTel floor') floorTelemetry(i, r.runId);
}

// A telemetry round ends when its spans are exported, so each row pays for its own export, not the next row.
const flushSpans = () => trace.getTracerProvider().getDelegate().forceFlush();

async function round(mode) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < RUNS_PER_ROUND; i++) await oneRun(i, mode);
  if (mode === 'telemetry' || mode === 'OTel floor') await flushSpans();
  return Number(process.hrtime.bigint() - start) / 1e3 / RUNS_PER_ROUND; // µs per run
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const modes = ['bare', 'narrative', 'telemetry', 'OTel floor', 'AI SDK'];
for (const mode of modes) await round(mode); // warm-up: JIT, ajv compile cache
const timings = Object.fromEntries(modes.map((m) => [m, []]));
for (let r = 0; r < ROUNDS; r++) for (const mode of modes) timings[mode].push(await round(mode));
const us = Object.fromEntries(modes.map((m) => [m, median(timings[m])]));

const gc = globalThis.gc ?? (() => {});
gc();
const heapBefore = process.memoryUsage().heapUsed;
for (let i = 0; i < HEAP_RUNS; i++) await oneRun(i, 'narrative');
gc();
const heapAfter = process.memoryUsage().heapUsed;
await telemetry.shutdown();
await receiver.close();

const mb = (b) => (b / 1024 / 1024).toFixed(1);
console.log(`agent loop bench: ${ROUNDS} rounds x ${RUNS_PER_ROUND} runs, 2 model calls + 1 tool call per run, median round`);
for (const mode of modes) console.log(`  ${mode.padEnd(10)} ${us[mode].toFixed(1).padStart(7)} µs/run  ${String(Math.round(1e6 / us[mode])).padStart(6)} runs/s  ${(us[mode] / us.bare).toFixed(2)}x bare`);
const overhead = us.telemetry - us.bare;
const floor = us['OTel floor'] - us.bare;
console.log(`  telemetry overhead: ${overhead.toFixed(1)} µs/run with AgentNest, ${floor.toFixed(1)} µs/run straight on the OTel API: ${(overhead / floor).toFixed(2)}x the floor`);
console.log(`  bare loop: ${(us.bare / us['AI SDK']).toFixed(2)}x the time of the AI SDK's generateText`);
console.log(`  telemetry: ${receiver.spans.length} of ${tracedRuns * 4} spans received over OTLP/HTTP (4 per run, both telemetry rows), SDK ${telemetry.enabled ? 'on' : 'OFF'}`);
console.log(`  heap used: ${mb(heapBefore)} MB before, ${mb(heapAfter)} MB after ${HEAP_RUNS} narrated runs${globalThis.gc ? ' (after gc)' : ' (no --expose-gc: not collected)'}`);
