// RedisStore cost per turn (load a 20-message window + append the turn's 2 messages) against raw
// ioredis sending the same commands, and load time of a 20-message window as history grows.
// Starts a private redis-server unless REDIS_URL is set. `npm run bench:memory`.
import { Redis } from 'ioredis';
import { RedisStore } from '@agentnest/memory';
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

let cursor = '0';
do {
  const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
  cursor = next;
  if (keys.length) await redis.unlink(...keys);
} while (cursor !== '0');
await redis.quit();
await server?.stop();
