// Agent loop overhead on the mock provider: N two-step runs (one tool call, then a reply), bare vs
// with a NarrativeRecorder attached, in one process, alternating rounds so machine noise hits both.
// Run with `npm run bench:agent` (builds first). Prints ratios; absolute times vary by machine.
import { Agent, NarrativeRecorder, defineTool } from '@agentnest/agent';
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

async function oneRun(i, narrate) {
  const agent = Agent.create({ name: 'bench', provider, model: 'm', tools: [lookup] });
  if (narrate) agent.attach(new NarrativeRecorder());
  const r = await agent.run({ message: `question ${i}`, identity: { tenant: 't', principal: 'p', conversationId: `c${i}` } });
  if (r.status !== 'completed' || r.reply !== 'done') throw new Error('unexpected result');
}

async function round(narrate) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < RUNS_PER_ROUND; i++) await oneRun(i, narrate);
  return Number(process.hrtime.bigint() - start) / 1e3 / RUNS_PER_ROUND; // µs per run
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await round(false); // warm-up: JIT, ajv compile cache
await round(true);
const bare = [];
const narrated = [];
for (let r = 0; r < ROUNDS; r++) {
  bare.push(await round(false));
  narrated.push(await round(true));
}
const bareUs = median(bare);
const narratedUs = median(narrated);

const gc = globalThis.gc ?? (() => {});
gc();
const heapBefore = process.memoryUsage().heapUsed;
for (let i = 0; i < HEAP_RUNS; i++) await oneRun(i, true);
gc();
const heapAfter = process.memoryUsage().heapUsed;

const mb = (b) => (b / 1024 / 1024).toFixed(1);
console.log(`agent loop bench: ${ROUNDS} rounds x ${RUNS_PER_ROUND} runs, 2 model calls + 1 tool call per run, median round`);
console.log(`  bare:           ${bareUs.toFixed(1)} µs/run  ${Math.round(1e6 / bareUs)} runs/s`);
console.log(`  with narrative: ${narratedUs.toFixed(1)} µs/run  ${Math.round(1e6 / narratedUs)} runs/s`);
console.log(`  narrative/bare: ${(narratedUs / bareUs).toFixed(2)}x`);
console.log(`  heap used: ${mb(heapBefore)} MB before, ${mb(heapAfter)} MB after ${HEAP_RUNS} runs${globalThis.gc ? ' (after gc)' : ' (no --expose-gc: not collected)'}`);
