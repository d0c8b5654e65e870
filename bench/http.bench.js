// Synchronous agent runs over HTTP (the reference service in this process: mock provider, in-memory
// memory, default guardrails, no queue) against a bare Nest 12 + Express endpoint that parses the
// same JSON body and answers a small JSON object, both on loopback, loaded by autocannon with the
// same connections, alternating rounds. Prints requests/s and the ratio. `npm run bench:http`.
import 'reflect-metadata';
import autocannon from 'autocannon';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createApp } from '../apps/api/dist/create-app.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const KEY = 'bench-key-0123456789';
const body = JSON.stringify({ message: 'hello there' });

// The bare endpoint, with Nest's own decorators applied by hand (this file is plain JavaScript).
class EchoController {
  echo(input) {
    return { text: `You said: ${input.message}`, status: 'completed' };
  }
}
Controller('echo')(EchoController);
Body()(EchoController.prototype, 'echo', 0);
const descriptor = Object.getOwnPropertyDescriptor(EchoController.prototype, 'echo');
Post()(EchoController.prototype, 'echo', descriptor);
HttpCode(200)(EchoController.prototype, 'echo', descriptor);
class BareModule {}
Module({ controllers: [EchoController] })(BareModule);

const bare = await NestFactory.create(BareModule, { logger: false });
await bare.listen(0, '127.0.0.1');
const { app: service } = await createApp({ NODE_ENV: 'test', API_KEYS: `${KEY}=bench/alice`, CHECKPOINT_SECRET: 'bench-checkpoint-secret-0123456789abcdef', LOCAL_REDIS: 'off', ...(process.env.GUARDRAILS ? { GUARDRAILS: process.env.GUARDRAILS } : {}) }, false);
await service.listen(0, '127.0.0.1');

const targets = {
  bare: { url: `${await bare.getUrl()}/echo`, headers: { 'content-type': 'application/json' } },
  agentnest: { url: `${await service.getUrl()}/v1/agents/assistant/runs`, headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` } },
};

async function load(name, seconds) {
  const { url, headers } = targets[name];
  // The load comes from a worker thread, so the client does not share the servers' event loop.
  const result = await autocannon({ url, method: 'POST', headers, body, connections: CONNECTIONS, duration: seconds, workers: 1 });
  if (result.non2xx || result.errors) throw new Error(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result.requests.average;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Warm-up to the steady state: the JIT done, and the reference service's in-memory store at its cap
// of 10,000 conversations (one per request here), where it evicts as it adds, as a long-running
// service does. One second was about 5,000 requests: the first measured round then filled the store.
for (const name of Object.keys(targets)) await load(name, WARMUP_SECONDS);
const rates = { bare: [], agentnest: [] };
for (let r = 0; r < ROUNDS; r++) for (const name of r % 2 ? ['agentnest', 'bare'] : ['bare', 'agentnest']) rates[name].push(await load(name, SECONDS));

console.log(`http bench: ${ROUNDS} alternated rounds of ${SECONDS} s at ${CONNECTIONS} connections, median requests/s`);
console.log(`  bare Nest + Express JSON endpoint: ${median(rates.bare).toFixed(0)} req/s`);
console.log(`  AgentNest sync run (mock model):    ${median(rates.agentnest).toFixed(0)} req/s  (${(median(rates.agentnest) / median(rates.bare)).toFixed(2)}x bare)`);
await service.close();
await bare.close();
