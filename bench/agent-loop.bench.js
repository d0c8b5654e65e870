// Agent loop overhead on the mock provider: N two-step runs (one tool call, then a reply), bare vs
// with a NarrativeRecorder attached vs full telemetry (OTelRecorder with the OpenTelemetry SDK's batch
// processors exporting OTLP/HTTP to a receiver in this process), alternating rounds so machine noise
// hits all. Run with `npm run bench:agent` (builds first). Prints ratios; absolute times vary by machine.
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
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
});
const telemetry = startTelemetry();
const otel = new OTelRecorder();
let tracedRuns = 0;

async function oneRun(i, mode) {
  const agent = Agent.create({ name: 'bench', provider, model: 'm', tools: [lookup], pricingTable: { m: { input: 1, output: 2 } } });
  if (mode === 'narrative') agent.attach(new NarrativeRecorder());
  if (mode === 'telemetry') {
    agent.attach(otel);
    tracedRuns++;
  }
  const r = await agent.run({ message: `question ${i}`, identity: { tenant: 't', principal: 'p', conversationId: `c${i}` } });
  if (r.status !== 'completed' || r.reply !== 'done') throw new Error('unexpected result');
}

async function round(mode) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < RUNS_PER_ROUND; i++) await oneRun(i, mode);
  return Number(process.hrtime.bigint() - start) / 1e3 / RUNS_PER_ROUND; // µs per run
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const modes = ['bare', 'narrative', 'telemetry'];
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
console.log(`  telemetry: ${receiver.spans.length} of ${tracedRuns * 4} spans received over OTLP/HTTP (4 per run), SDK ${telemetry.enabled ? 'on' : 'OFF'}`);
console.log(`  heap used: ${mb(heapBefore)} MB before, ${mb(heapAfter)} MB after ${HEAP_RUNS} narrated runs${globalThis.gc ? ' (after gc)' : ' (no --expose-gc: not collected)'}`);
