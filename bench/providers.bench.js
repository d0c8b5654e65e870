// Overhead of the full resilient stack (rate limit -> breaker -> retry -> fallback) around mock(),
// against the bare mock, in one process with alternating rounds. `npm run bench:providers`.
// With REDIS_URL set, a third variant keeps breaker and budget state in that Redis.
import { InMemoryCircuitState, InMemoryRateLimitStore, mock, RedisCircuitState, RedisRateLimitStore, resilientProvider } from '@agentnest/providers';

const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const req = { model: 'm', messages: [{ role: 'user', content: 'benchmark message of a typical short length' }] };

const bare = mock({ name: 'primary', reply: 'ok', keepCalls: 0 });
const stack = (circuitState, rateStore) =>
  resilientProvider({
    providers: [mock({ name: 'primary', reply: 'ok', keepCalls: 0 }), mock({ name: 'backup', reply: 'ok', keepCalls: 0 })],
    retry: { maxAttempts: 3 },
    breaker: { state: circuitState },
    rateLimit: { requestsPerMinute: 1e12, tokensPerMinute: 1e15, store: rateStore },
  });
const variants = [
  ['bare mock', bare],
  ['resilient stack, in-process state', stack(new InMemoryCircuitState(), new InMemoryRateLimitStore())],
];
let redis;
if (process.env.REDIS_URL) {
  const { Redis } = await import('ioredis');
  redis = new Redis(process.env.REDIS_URL);
  const prefix = `bench:${process.pid}:`;
  variants.push(['resilient stack, Redis state', stack(new RedisCircuitState({ redis, prefix }), new RedisRateLimitStore({ redis, prefix }))]);
}

async function round(provider, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await provider.complete(req);
  return Number(process.hrtime.bigint() - start) / 1e3 / calls;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const timings = variants.map(() => []);
for (const [, p] of variants) await round(p, 2_000); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, [name, p]] of variants.entries()) timings[i].push(await round(p, name.includes('Redis') ? Math.min(CALLS, 2_000) : CALLS));
}
const base = median(timings[0]);
console.log(`providers bench: ${ROUNDS} rounds, median µs per complete() call`);
for (const [i, [name]] of variants.entries()) {
  const us = median(timings[i]);
  console.log(`  ${name.padEnd(36)} ${us.toFixed(2).padStart(8)} µs  ${(us / base).toFixed(2)}x bare`);
}
await redis?.quit();
