// RedisStore cost per turn (load a 20-message window + append the turn's 2 messages) against raw
// ioredis sending the same commands, load time of a 20-message window as history grows, and an
// agent's load + fit of a tool-heavy conversation into a model's window as history grows.
// Starts a private redis-server unless REDIS_URL is set. `npm run bench:memory`.
import { Redis } from 'ioredis';
import { RedisStore } from '@agentnest/memory';
import { Agent, defineTool } from '@agentnest/agent';
import { mock } from '@agentnest/providers';
import { startRedis } from '../test/redis-server.js';

const TURNS = Number(process.env.BENCH_TURNS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WINDOW = 20;

const server = process.env.REDIS_URL ? undefined : await startRedis();
const redis = new Redis(process.env.REDIS_URL ?? server.url);
const prefix = `bench:${process.pid}:`;
const store = new RedisStore({ redis, prefix });
const turn = (i) => [
  { role: 'user', content: `question number ${i} about the weather in Oslo` },
  { role: 'assistant', content: `answer number ${i}: sunny, 21 degrees` },
];

async function storeTurns(conversationId) {
  const id = { tenant: 'acme', principal: 'alice', conversationId };
  const start = process.hrtime.bigint();
  for (let i = 0; i < TURNS; i++) {
    await store.load(id, { limit: WINDOW });
    await store.append(id, turn(i));
  }
  return Number(process.hrtime.bigint() - start) / 1e3 / TURNS;
}

// The same commands RedisStore sends (LRANGE; MULTI RPUSH EXEC), without validation, encoding or checks.
async function rawTurns(key) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < TURNS; i++) {
    (await redis.lrange(key, -WINDOW, -1)).map((s) => JSON.parse(s));
    await redis.multi().rpush(key, ...turn(i).map((m) => JSON.stringify(['acme', 'alice', key, m]))).exec();
  }
  return Number(process.hrtime.bigint() - start) / 1e3 / TURNS;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await storeTurns('warm');
await rawTurns(`${prefix}raw-warm`);
const s = [];
const r = [];
for (let k = 0; k < ROUNDS; k++) {
  s.push(await storeTurns(`s${k}`));
  r.push(await rawTurns(`${prefix}raw${k}`));
}
console.log(`memory bench: ${ROUNDS} rounds x ${TURNS} turns (load ${WINDOW} + append 2), median µs per turn`);
console.log(`  raw ioredis, same commands: ${median(r).toFixed(1)} µs`);
console.log(`  RedisStore:                 ${median(s).toFixed(1)} µs  (${(median(s) / median(r)).toFixed(2)}x raw)`);

console.log(`  load of a ${WINDOW}-message window by history length (median of 200 loads):`);
for (const length of [100, 10_000, 100_000]) {
  const id = { tenant: 'acme', principal: 'alice', conversationId: `len-${length}` };
  for (let done = 0; done < length; done += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, length - done) }, (_, i) => ({ role: 'user', content: `message ${done + i}` }));
    await store.append(id, batch);
  }
  const times = [];
  for (let i = 0; i < 200; i++) {
    const t = process.hrtime.bigint();
    await store.load(id, { limit: WINDOW });
    times.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  console.log(`    ${String(length).padStart(7)} messages: ${median(times).toFixed(1)} µs`);
}

// Tool-heavy turns (a question, a call to two tools, their results, an answer); the agent loads up to
// 500 messages and fits them into an 8,000-token window before its model call (a mock that answers at once).
const toolTurn = (t) => [
  { role: 'user', content: `question ${t}: ${'why '.repeat(10)}` },
  { role: 'assistant', content: '', toolCalls: [{ id: `a${t}`, name: 'lookup', args: { q: t } }, { id: `b${t}`, name: 'lookup', args: { q: -t } }] },
  { role: 'tool', toolCallId: `a${t}`, name: 'lookup', content: `result a${t} ${'data '.repeat(20)}` },
  { role: 'tool', toolCallId: `b${t}`, name: 'lookup', content: `result b${t} ${'data '.repeat(20)}` },
  { role: 'assistant', content: `answer ${t}` },
];
const lookup = defineTool({ name: 'lookup', description: 'looks up', inputSchema: { type: 'object' }, execute: () => 'x' });
// The mock reports input tokens as a vendor would (about 4 characters a token), which calibrates the fit.
const sized = mock({ respond: (req) => ({ text: 'ok', usage: { inputTokens: Math.ceil(JSON.stringify(req).length / 4), outputTokens: 1 } }) });
const fitter = Agent.create({ name: 'fit', provider: sized, model: 'bench', memory: store, tools: [lookup], historyLimit: 500, context: { window: 8_000, replyTokens: 1_000 } });
console.log('  agent load (500 messages) + fit into an 8,000-token window + a mock call, by history length (median of 100 runs):');
const perLength = new Map();
for (const length of [10, 1_000, 100_000]) {
  const conversationId = `fit-${length}`;
  const id = { tenant: 'acme', principal: 'alice', conversationId };
  for (let done = 0; done < length; done += 1_000) {
    const batch = [];
    for (let t = done / 5; batch.length < Math.min(1_000, length - done); t++) batch.push(...toolTurn(t));
    await store.append(id, batch.slice(0, Math.min(1_000, length - done)));
  }
  // Runs do not write (a fixed runId makes every later append a no-op), so the history stays this long.
  const times = [];
  let dropped = 0;
  for (let i = 0; i < 100; i++) {
    const t = process.hrtime.bigint();
    await fitter.run({ message: 'and now?', identity: id, runId: `fit-${length}`, recorders: [{ onEvent: (e) => e.type === 'llm.request' && (dropped = e.droppedMessages ?? 0) }] });
    times.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  perLength.set(length, median(times));
  // Past 500 messages every run loads and fits the same amount: the time should not grow with the history.
  const flat = perLength.has(1_000) ? `, ${(median(times) / perLength.get(1_000)).toFixed(2)}x the 1,000-message run` : '';
  console.log(`    ${String(length).padStart(7)} messages: ${median(times).toFixed(1)} µs  (${dropped} of the loaded messages left out${flat})`);
}

let cursor = '0';
do {
  const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
  cursor = next;
  if (keys.length) await redis.unlink(...keys);
} while (cursor !== '0');
await redis.quit();
await server?.stop();
