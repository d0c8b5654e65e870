// Queued runs end to end (enqueue -> completed) through AgentJobs and the AgentNest worker with the
// mock provider, against a bare BullMQ queue whose worker does nothing, on the same Redis with the
// same concurrency, alternating rounds in one process. `npm run bench:queue`.
// Uses REDIS_URL when set, else a private redis-server (the one `npm start` would start).
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AGENT_RUNS_QUEUE, AgentJobs, AgentJobsModule } from '@agentnest/agent/jobs';
// The run registry is internal to /jobs: the floor variant uses it directly, as the worker does.
import { RunRegistry } from '../libs/agent/dist/jobs/runs/run-registry.js';
import { AgentModule, AgentService } from '@agentnest/agent/nest';
import { TenantContext } from '@agentnest/agent';
import { InMemoryStore, RedisStore } from '@agentnest/memory';
import { mock } from '@agentnest/providers';
import { findRedisServer, startRedisServer } from '../apps/api/dist/redis/local-redis.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ENQUEUE_BATCH = 50;

let server;
let url = process.env.REDIS_URL;
if (!url) {
  const bin = findRedisServer(false);
  if (!bin) throw new Error('set REDIS_URL or install redis-server');
  server = await startRedisServer(bin);
  url = server.url;
}
// Round trips and commands the client sends, counted on every ioredis connection but the harness'
// own event reader: a command sent alone is a round trip, a pipeline or MULTI (one write) is one.
const sent = { commands: 0, trips: 0 };
const harness = new WeakSet();
const pipelines = new WeakSet();
const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (command, stream, node) {
  if (!harness.has(this)) {
    sent.commands++;
    if (!stream) sent.trips++;
    else if (!pipelines.has(stream)) {
      pipelines.add(stream);
      sent.trips++;
    }
  }
  return sendCommand.call(this, command, stream, node);
};
/** Commands Redis executed (scripts' own calls included), from its command statistics, and the CPU seconds it used. */
async function redisWork(redis) {
  const [commands, cpu] = await Promise.all([redis.info('commandstats'), redis.info('cpu')]);
  return {
    executed: [...commands.matchAll(/calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0),
    cpu: [...cpu.matchAll(/used_cpu_(?:sys|user):([\d.]+)/g)].reduce((n, m) => n + Number(m[1]), 0),
  };
}
const connections = [];
const connect = (opts = {}) => {
  const c = new Redis(url, opts);
  connections.push(c);
  return c;
};

/** Counts completions of one queue through BullMQ's own event stream (the same for every variant). */
async function completions(queueName, prefix) {
  const connection = connect({ maxRetriesPerRequest: null });
  harness.add(connection);
  const events = new QueueEvents(queueName, { connection, prefix });
  await events.waitUntilReady();
  let done = 0;
  let waiter;
  events.on('completed', () => {
    done++;
    if (waiter && done >= waiter.target) waiter.resolve();
  });
  return {
    close: () => events.close(),
    until: (target) => (done >= target ? Promise.resolve() : new Promise((resolve) => (waiter = { target, resolve }))),
    reset: () => (done = 0),
  };
}

/** A plain BullMQ queue and worker of this bench: `processor` runs each job, `enqueue(queue, i)` adds one. */
async function bullmqVariant(name, queueName, processor, enqueue) {
  const prefix = `bench-${queueName}-${process.pid}`;
  const queue = new Queue(queueName, { connection: connect(), prefix });
  const worker = new Worker(queueName, processor, { connection: connect({ maxRetriesPerRequest: null }), prefix, concurrency: CONCURRENCY });
  const done = await completions(queueName, prefix);
  return {
    name,
    enqueue: (i) => enqueue(queue, i),
    done,
    close: async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await done.close();
    },
  };
}

const bareVariant = () => bullmqVariant('bare BullMQ, no-op processor', 'bare', async () => undefined, (queue, i) => queue.add('job', { i }, { removeOnComplete: true }));

// The floor of any queued run that keeps a record of its own beside BullMQ's job: the record with
// its first event written at enqueue, and its result and last event at the end, one script each (no
// claim, no run, no request context). AgentNest's path is this plus the run and its context (a
// first delivery's claim rides on these two scripts).
function recordFloorVariant() {
  const registry = new RunRegistry({ redis: connect({ maxRetriesPerRequest: 1 }), prefix: `bench-floor-record-${process.pid}:` });
  const finish = (job) => registry.transition(job.data.owner, job.data.runId, ['queued'], 'completed', { text: 'ok', finishedAt: new Date().toISOString() }, { events: [{ type: 'status', status: 'completed', text: 'ok' }] });
  return bullmqVariant('floor: BullMQ + a run record, no run', 'floor', finish, async (queue, i) => {
    const runId = randomUUID();
    const owner = { tenant: 'bench', principal: `p${i % 10}` };
    await registry.create(owner, { runId, agent: 'echo', conversationId: randomUUID() }, { jobId: runId }, { type: 'status', status: 'queued' });
    return queue.add('job', { owner, runId }, { jobId: runId, removeOnComplete: true });
  });
}

/** AgentNest's queue and worker on their own prefix; `target` is the issue's goal for this row, as a share of bare BullMQ. */
async function agentVariant(name, memory, target) {
  const prefix = `bench-agent-${process.pid}-${name.length}:`;
  const shared = connect({ maxRetriesPerRequest: 1 });
  const imports = [
    AgentModule.forRoot({ isGlobal: true, agents: { echo: { provider: mock({ reply: 'ok', keepCalls: 0 }), model: 'demo-1' } }, memory: memory(shared) }),
    AgentJobsModule.forRootAsync({ worker: true, useFactory: () => ({ connection: { client: shared, queueConnection: connect({ maxRetriesPerRequest: null }) }, prefix, concurrency: CONCURRENCY, maxRunsPerTenant: 1_000_000 }) }),
  ];
  class BenchModule {}
  Module({ imports })(BenchModule);
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  const jobs = app.get(AgentJobs);
  const tenant = app.get(TenantContext);
  const agents = app.get(AgentService);
  // The queue lives under a hash-tagged prefix (every key of it in one cluster slot).
  const done = await completions(AGENT_RUNS_QUEUE, `{${prefix}bull}`);
  return {
    name,
    target,
    enqueue: (i) => tenant.run({ tenant: 'bench', principal: `p${i % 10}` }, () => jobs.enqueue('echo', { message: `hello ${i}` })),
    done,
    // The same agent and memory called directly: no queue, no run record, no stream.
    runAlone: (i) => agents.run('echo', { identity: { tenant: 'bench', principal: `p${i % 10}` }, message: `hello ${i}` }),
    close: async () => {
      await app.close();
      await done.close();
    },
  };
}

const stats = connect();
harness.add(stats);

async function round(variant) {
  variant.done.reset();
  const before = { ...sent, ...(await redisWork(stats)), node: process.cpuUsage() };
  const start = process.hrtime.bigint();
  for (let i = 0; i < JOBS; i += ENQUEUE_BATCH) {
    await Promise.all(Array.from({ length: Math.min(ENQUEUE_BATCH, JOBS - i) }, (_, j) => variant.enqueue(i + j)));
  }
  await variant.done.until(JOBS);
  const rate = JOBS / (Number(process.hrtime.bigint() - start) / 1e9);
  // Per job; what the harness' event reader and this INFO call cost is in every variant alike.
  const node = process.cpuUsage(before.node);
  const after = await redisWork(stats);
  variant.perJob = { trips: (sent.trips - before.trips) / JOBS, commands: (sent.commands - before.commands) / JOBS, executed: (after.executed - before.executed) / JOBS, redisUs: ((after.cpu - before.cpu) * 1e6) / JOBS, nodeUs: (node.user + node.system) / JOBS };
  return rate;
}

const variants = [
  await bareVariant(),
  await recordFloorVariant(),
  await agentVariant('AgentNest jobs, mock, in-memory memory', () => new InMemoryStore(), 0.5),
  await agentVariant('AgentNest jobs, mock, Redis memory', (redis) => new RedisStore({ redis, prefix: `bench-mem-${process.pid}:` }), 0.4),
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rates = variants.map(() => []);
for (const v of variants) await round(v); // warm-up
for (let r = 0; r < ROUNDS; r++) for (const [i, v] of variants.entries()) rates[i].push(await round(v));

const base = median(rates[0]);
const floor = median(rates[1]);
console.log(`queue bench: ${JOBS} jobs per round, concurrency ${CONCURRENCY}, ${ROUNDS} rounds, median jobs/s enqueue -> completed`);
for (const [i, v] of variants.entries()) {
  const rate = median(rates[i]);
  const { trips, commands, executed, redisUs, nodeUs } = v.perJob;
  console.log(`  ${v.name.padEnd(42)} ${rate.toFixed(0).padStart(7)} jobs/s  ${(rate / base).toFixed(2)}x bare (${(base / rate).toFixed(2)}x the time${i > 1 ? `; ${(rate / floor).toFixed(2)}x the floor` : ''})  per job: ${trips.toFixed(1)} round trips, ${commands.toFixed(1)} commands sent, ${executed.toFixed(1)} executed by Redis in ${redisUs.toFixed(0)} µs of its CPU; ${nodeUs.toFixed(0)} µs of this process' CPU`);
}
// What a target leaves for running the agent: its time per job less the floor's, against the run
// alone (the same agent and memory called in this process, CONCURRENCY at a time, no queue).
async function runAlone(variant) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < JOBS; i += CONCURRENCY) await Promise.all(Array.from({ length: Math.min(CONCURRENCY, JOBS - i) }, (_, j) => variant.runAlone(i + j)));
  const used = process.cpuUsage(cpu);
  return { wallUs: Number(process.hrtime.bigint() - start) / 1e3 / JOBS, cpuUs: (used.user + used.system) / JOBS };
}
const us = (rate) => 1e6 / rate;
for (const v of variants.filter((x) => x.target)) {
  const alone = [];
  for (let r = 0; r < ROUNDS + 1; r++) alone.push(await runAlone(v));
  alone.shift(); // warm-up
  const left = us(base) / v.target - us(floor);
  console.log(`  target ${v.target}x bare for "${v.name}": ${(us(base) / v.target).toFixed(0)} µs per job, the floor takes ${us(floor).toFixed(0)}: ${left.toFixed(0)} µs left per job for the run and its context; the run alone takes ${median(alone.map((a) => a.wallUs)).toFixed(0)} µs (${median(alone.map((a) => a.cpuUs)).toFixed(0)} µs of CPU)`);
}
// Memory stays flat: the heap after 10,000 more queued runs (enqueued, run, finished) against before
// them, with Redis memory, so the conversations themselves live in Redis, not in this heap.
const HEAP_JOBS = Number(process.env.BENCH_HEAP_JOBS ?? 10_000);
const gc = globalThis.gc ?? (() => {});
const heapRun = variants[3];
gc();
const heapBefore = process.memoryUsage().heapUsed;
for (let done = 0; done < HEAP_JOBS; done += JOBS) await round(heapRun);
gc();
const heapAfter = process.memoryUsage().heapUsed;
const mb = (b) => (b / 1024 / 1024).toFixed(1);
console.log(`  heap used: ${mb(heapBefore)} MB before, ${mb(heapAfter)} MB after ${HEAP_JOBS} more queued runs with Redis memory${globalThis.gc ? ' (after gc)' : ' (no --expose-gc: not collected)'}`);
for (const v of variants) await v.close();
await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
await server?.stop();
