import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { AnthropicFake, type FakeReply } from '@agentnest/providers/testing';
import { createWorker } from '../apps/api/src/create-app.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { API_KEYS, bearer, KEYS, parseSse, runSettled, SECRET, startApi, type Api } from './harness.js';
import { eventually, until } from './eventually.js';

/** One Redis, or the test run's real 6-node cluster (test/redis-cluster.js): the queue must work the same on both. */
const BACKENDS: Array<[string, () => Record<string, string>]> = [
  ['one Redis', () => ({ REDIS_URL: process.env.REDIS_URL! })],
  ['a Redis Cluster', () => ({ REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES! })],
];

const baseEnv = (extra: Record<string, string> = {}, backend: Record<string, string> = BACKENDS[0][1]()) => ({
  NODE_ENV: 'test',
  API_KEYS,
  CHECKPOINT_SECRET: SECRET,
  ...backend,
  REDIS_KEY_PREFIX: `e2e-jobs-${randomUUID()}:`,
  JOBS_BACKOFF_MS: '10',
  ...extra,
});

/** The run once it stopped moving, as a response (`body` is the record), via the harness's condition wait. */
async function settled(api: Api, runId: string, key = KEYS.acmeAlice, timeoutMs = 10_000) {
  return { body: await runSettled(api, runId, key, timeoutMs) };
}

describe.each(BACKENDS)('queued agent runs (BullMQ) on %s', (_where, backend) => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(baseEnv({}, backend()));
  });
  afterAll(() => api.close());
  const enqueue = (body: object, headers: Record<string, string> = {}, key = KEYS.acmeAlice) => api.http.post('/v1/agents/assistant/jobs').set({ ...bearer(key), ...headers }).send(body);

  it('queues a run (202) and the worker completes it as the caller', async () => {
    const res = await enqueue({ message: 'hello queue', conversationId: 'jobs-c1' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ runId: expect.any(String), status: 'queued' });
    const run = await settled(api, res.body.runId);
    expect(run.body).toMatchObject({ runId: res.body.runId, agent: 'assistant', conversationId: 'jobs-c1', status: 'completed', text: 'You said: hello queue', attempts: 1, usage: { inputTokens: expect.any(Number) } });
    expect(run.body.finishedAt >= run.body.startedAt).toBe(true);
    const history = await api.http.get('/v1/conversations/jobs-c1/messages').set(bearer(KEYS.acmeAlice));
    expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual(['hello queue', 'You said: hello queue']);
  });

  it("answers another tenant's or principal's run exactly like an unknown one", async () => {
    const { body } = await enqueue({ message: 'mine' });
    await settled(api, body.runId);
    for (const key of [KEYS.globexAlice, KEYS.acmeBob]) {
      const foreign = await api.http.get(`/v1/runs/${body.runId}`).set(bearer(key));
      const unknown = await api.http.get(`/v1/runs/${randomUUID()}`).set(bearer(key));
      expect([foreign.status, foreign.body]).toEqual([unknown.status, unknown.body]);
      expect(foreign.status).toBe(404);
    }
  });

  it('honours Idempotency-Key: same body, same run; another body, 409', async () => {
    const key = { 'Idempotency-Key': `order-${randomUUID()}` };
    const first = await enqueue({ message: 'charge once' }, key);
    const again = await enqueue({ message: 'charge once' }, key);
    expect(again.status).toBe(202);
    expect(again.body.runId).toBe(first.body.runId);
    const other = await enqueue({ message: 'charge twice' }, key);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_conflict');
    // The same key from another tenant is another key.
    const globex = await enqueue({ message: 'charge once' }, key, KEYS.globexAlice);
    expect(globex.body.runId).not.toBe(first.body.runId);
    expect((await enqueue({ message: 'x' }, { 'Idempotency-Key': 'bad key with spaces' })).status).toBe(400);
  });

  it('shows a paused run with its pauseData and keeps the checkpoint server-side', async () => {
    const { body } = await enqueue({ message: 'please ask me something' });
    const run = await settled(api, body.runId);
    expect(run.body).toMatchObject({ status: 'paused', pauseData: { kind: 'question', question: expect.any(String) } });
    expect(run.body.checkpoint).toBeUndefined();
  });

  it('resumes a paused run with an answer once; a second answer is 409, another tenant gets 404', async () => {
    const { body } = await enqueue({ message: 'please ask me something', conversationId: 'jobs-pause' });
    await settled(api, body.runId);
    const foreign = await api.http.post(`/v1/runs/${body.runId}/resume`).set(bearer(KEYS.globexAlice)).send({ answer: 'hijack' });
    expect(foreign.status).toBe(404);
    const sent = ['blue', 'red'];
    const answers = await Promise.all(sent.map((answer) => api.http.post(`/v1/runs/${body.runId}/resume`).set(bearer(KEYS.acmeAlice)).send({ answer })));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('run_state_conflict');
    const winner = sent[answers.findIndex((a) => a.status === 202)];
    const done = await settled(api, body.runId);
    expect(done.body).toMatchObject({ status: 'completed', text: `You answered: ${winner}` });
    const history = await api.http.get('/v1/conversations/jobs-pause/messages').set(bearer(KEYS.acmeAlice));
    expect(history.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect((await api.http.post(`/v1/runs/${body.runId}/resume`).set(bearer(KEYS.acmeAlice)).send({ answer: 'late' })).status).toBe(409);
  });

  it('cancels a paused run, and refuses to cancel a finished one', async () => {
    const paused = await enqueue({ message: 'ask me' });
    await settled(api, paused.body.runId);
    const cancel = await api.http.delete(`/v1/runs/${paused.body.runId}`).set(bearer(KEYS.acmeAlice));
    expect([cancel.status, cancel.body]).toEqual([200, { runId: paused.body.runId, status: 'cancelled' }]);
    expect((await api.http.post(`/v1/runs/${paused.body.runId}/resume`).set(bearer(KEYS.acmeAlice)).send({ answer: 'x' })).status).toBe(409);
    const done = await enqueue({ message: 'quick' });
    await settled(api, done.body.runId);
    expect((await api.http.delete(`/v1/runs/${done.body.runId}`).set(bearer(KEYS.acmeAlice))).status).toBe(409);
    expect((await api.http.delete(`/v1/runs/${done.body.runId}`).set(bearer(KEYS.globexAlice))).status).toBe(404);
  });

  it('streams a run live over SSE, replays exactly what was missed after Last-Event-ID, and closes at the end', async () => {
    const parse = (text: string) =>
      text
        .split('\n\n')
        .filter((block) => block.includes('data: '))
        .map((block) => {
          const get = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          return { id: get('id')!, type: get('event')!, data: JSON.parse(get('data')!) };
        });
    const { body } = await enqueue({ message: 'what time is it?' });
    // The request only returns when the stream closes, i.e. after the final status.
    const live = await api.http.get(`/v1/runs/${body.runId}/events`).set(bearer(KEYS.acmeAlice)).buffer(true);
    expect(live.status).toBe(200);
    expect(live.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = parse(live.text);
    const kinds = events.map((e) => (e.type === 'status' ? `status:${e.data.status}` : e.type === 'text' || e.type === 'step' ? e.type : `${e.type}:${e.data.tool}`));
    // Each model call is a step; the final answer streams in as text deltas (coalesced per 25 ms) after the second step, before the final status.
    const firstText = kinds.indexOf('text');
    const texts = events.filter((e) => e.type === 'text');
    expect(kinds.filter((k) => k !== 'text')).toEqual(['status:queued', 'status:running', 'step', 'tool.start:clock', 'tool.end:clock', 'step', 'status:completed']);
    expect(kinds.slice(firstText, firstText + texts.length).every((k) => k === 'text')).toBe(true);
    expect(kinds[firstText - 1]).toBe('step');
    expect(texts.length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)!.data.text).toMatch(/^The time is /);
    expect(texts.map((e) => e.data.delta).join('')).toBe(events.at(-1)!.data.text);

    const resumed = await api.http.get(`/v1/runs/${body.runId}/events`).set({ ...bearer(KEYS.acmeAlice), 'Last-Event-ID': events[1].id }).buffer(true);
    expect(parse(resumed.text)).toEqual(events.slice(2));

    expect((await api.http.get(`/v1/runs/${body.runId}/events`).set(bearer(KEYS.globexAlice))).status).toBe(404);
  });

  it('rejects bad input and unknown agents before queueing', async () => {
    expect((await enqueue({})).status).toBe(400);
    const unknown = await api.http.post('/v1/agents/nobody/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'x' });
    expect(unknown.status).toBe(404);
    expect((await api.http.post('/v1/agents/assistant/jobs').send({ message: 'x' })).status).toBe(401);
  });
});

describe('queued runs against a real provider SDK: retries and separate worker processes', () => {
  const fake = new AnthropicFake('sk-ant-jobs');
  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  const providerEnv = () => ({ LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-jobs', ANTHROPIC_API_KEY: 'sk-ant-jobs', ANTHROPIC_BASE_URL: fake.origin });

  it('retries a run whose provider keeps failing, then completes it; a bad request fails at once', async () => {
    let failures = 4; // three in-stack attempts fail the first job attempt; the second attempt succeeds
    fake.respond = (): FakeReply => (failures-- > 0 ? { kind: 'error', status: 500, message: 'flaky' } : { text: 'finally' });
    const api = await startApi(baseEnv(providerEnv()));
    try {
      const { body } = await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'hi' });
      const run = await settled(api, body.runId);
      expect(run.body).toMatchObject({ status: 'completed', text: 'finally', attempts: 2 });

      fake.respond = () => ({ kind: 'error', status: 400, message: 'malformed' });
      const bad = await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'hi' });
      const failed = await settled(api, bad.body.runId);
      // The same sanitised code and message as the sync path would answer (no upstream detail).
      expect(failed.body).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'provider_error', message: 'the model provider failed (bad_request)' } });
      const sync = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'hi' });
      expect(sync.body.error).toEqual(failed.body.error);
      const stream = parseSse((await api.http.get(`/v1/runs/${bad.body.runId}/events`).set(bearer(KEYS.acmeAlice)).buffer(true)).text);
      expect(stream.at(-1)!.data).toEqual({ type: 'status', status: 'failed', error: failed.body.error });
      // Nothing of the vendor's own error (its text, the fake's address) reaches a client.
      for (const text of [JSON.stringify(failed.body), JSON.stringify(stream), JSON.stringify(sync.body)]) {
        expect(text).not.toContain('malformed');
        expect(text).not.toContain(new URL(fake.origin).host);
      }
    } finally {
      await api.close();
    }
  });

  // On a cluster the cancel request is published on one node and heard by a worker subscribed through another.
  it.each(BACKENDS)('cancels a queued run before any worker takes it, and aborts a running one inside its provider call, on %s', async (_where, backend) => {
    const env = baseEnv(providerEnv(), backend());
    const api = await startApi({ ...env, APP_ROLE: 'api' });
    let worker: INestApplicationContext | undefined;
    try {
      fake.respond = () => ({ text: 'should never be produced' });
      const queued = await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'cancel me' });
      const cancel = await api.http.delete(`/v1/runs/${queued.body.runId}`).set(bearer(KEYS.acmeAlice));
      expect([cancel.status, cancel.body.status]).toEqual([200, 'cancelled']);

      fake.respond = () => ({ kind: 'hang' });
      const hanging = await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'slow one' });
      const before = fake.requests.length;
      worker = (await createWorker({ ...env, APP_ROLE: 'worker' }, false)).app;
      await worker.init();
      await until('the run to be running', async () => (await api.http.get(`/v1/runs/${hanging.body.runId}`).set(bearer(KEYS.acmeAlice))).body.status === 'running', { timeoutMs: 5_000 });
      await until('the provider call', () => fake.requests.length > before, { timeoutMs: 5_000 });
      const abort = await api.http.delete(`/v1/runs/${hanging.body.runId}`).set(bearer(KEYS.acmeAlice));
      expect([abort.status, abort.body]).toEqual([202, { runId: hanging.body.runId, status: 'running', cancelRequested: true }]);
      expect((await settled(api, hanging.body.runId)).body).toMatchObject({ status: 'cancelled', cancelRequested: true });
      // The cancelled queued run was never run by the worker that started later.
      expect((await api.http.get(`/v1/runs/${queued.body.runId}`).set(bearer(KEYS.acmeAlice))).body.status).toBe('cancelled');
      expect(fake.requests.length).toBe(before + 1);
    } finally {
      await worker?.close();
      await api.close();
    }
  });

  it('closes within the shutdown grace period while a run hangs, leaving the run to another worker', async () => {
    const env = baseEnv({ ...providerEnv(), JOBS_SHUTDOWN_GRACE_MS: '300' });
    const api = await startApi(env);
    fake.respond = () => ({ kind: 'hang' });
    const before = fake.requests.length;
    const hanging = await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'never answered' });
    await until('the provider call', () => fake.requests.length > before, { timeoutMs: 5_000 });
    const started = Date.now();
    await api.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    // Not recorded as cancelled or failed: still running, for a takeover once its lock expires.
    const reader = await startApi({ ...env, APP_ROLE: 'api' });
    try {
      expect((await reader.http.get(`/v1/runs/${hanging.body.runId}`).set(bearer(KEYS.acmeAlice))).body.status).toBe('running');
    } finally {
      await reader.close();
    }
  });

  it('an API-only process queues, a worker-only process runs', async () => {
    fake.respond = () => ({ text: 'from the worker process' });
    const env = baseEnv(providerEnv());
    const api = await startApi({ ...env, APP_ROLE: 'api' });
    // BullMQ's own count of the workers connected to the run queue (named Redis clients).
    const redis = new Redis(process.env.REDIS_URL!);
    const queue = new Queue('agentnest-runs', { connection: redis, prefix: `{${env.REDIS_KEY_PREFIX}bull}` });
    let worker: INestApplicationContext | undefined;
    try {
      const { body } = await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'hi' });
      // Nothing in the API process takes jobs: no worker on the queue, so the run waits.
      expect(await queue.getWorkersCount()).toBe(0);
      expect((await api.http.get(`/v1/runs/${body.runId}`).set(bearer(KEYS.acmeAlice))).body.status).toBe('queued');
      worker = (await createWorker({ ...env, APP_ROLE: 'worker' }, false)).app;
      await worker.init();
      // The same count sees the worker process's worker.
      await until('the worker to connect', async () => (await queue.getWorkersCount()) > 0);
      expect((await settled(api, body.runId)).body).toMatchObject({ status: 'completed', text: 'from the worker process' });
    } finally {
      await worker?.close();
      await queue.close();
      await redis.quit();
      await api.close();
    }
  });
});

describe('a per-tenant cap on unfinished runs (JOBS_MAX_PER_TENANT)', () => {
  it('answers 429 too_many_runs with Retry-After past the cap, for that tenant only, and frees slots as runs are cancelled or finish', async () => {
    const env = baseEnv({ JOBS_MAX_PER_TENANT: '2' });
    // No worker yet: the runs stay queued.
    const api = await startApi({ ...env, APP_ROLE: 'api' });
    let worker: INestApplicationContext | undefined;
    const enqueue = (key = KEYS.acmeAlice) => api.http.post('/v1/agents/assistant/jobs').set(bearer(key)).send({ message: 'queued' });
    try {
      const [first, second] = [await enqueue(), await enqueue(KEYS.acmeBob)];
      expect([first.status, second.status]).toEqual([202, 202]);
      const refused = await enqueue();
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.body.error).toEqual({ code: 'too_many_runs', message: 'at most 2 unfinished (queued, running or paused) runs per tenant; retry when one finishes' });
      // A chat message queues a run too.
      const chat = await api.http.post('/v1/agents/assistant/chat').set(bearer(KEYS.acmeAlice)).send({ id: 'capped-chat', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] });
      expect([chat.status, chat.body.error?.code]).toEqual([429, 'too_many_runs']);
      expect((await enqueue(KEYS.globexAlice)).status).toBe(202);

      expect((await api.http.delete(`/v1/runs/${first.body.runId}`).set(bearer(KEYS.acmeAlice))).status).toBe(200);
      const third = await enqueue();
      expect(third.status).toBe(202);
      expect((await enqueue()).status).toBe(429);

      // The worker finishes both: their slots come back.
      worker = (await createWorker({ ...env, APP_ROLE: 'worker' }, false)).app;
      await worker.init();
      for (const [runId, key] of [[second.body.runId, KEYS.acmeBob], [third.body.runId, KEYS.acmeAlice]]) expect((await settled(api, runId, key)).body.status).toBe('completed');
      // Without a worker again, so the new runs stay queued and fill the cap.
      await worker.close();
      worker = undefined;
      expect([(await enqueue()).status, (await enqueue(KEYS.acmeBob)).status, (await enqueue()).status]).toEqual([202, 202, 429]);
    } finally {
      await worker?.close();
      await api.close();
    }
  });

  it('counts paused runs too: parking runs paused and answering them all cannot go past the cap', async () => {
    const api = await startApi(baseEnv({ JOBS_MAX_PER_TENANT: '3' }));
    const as = bearer(KEYS.acmeAlice);
    try {
      const runIds: string[] = [];
      for (let i = 0; i < 3; i++) runIds.push((await api.http.post('/v1/agents/assistant/jobs').set(as).send({ message: 'please ask me something' })).body.runId);
      for (const runId of runIds) expect((await settled(api, runId)).body.status).toBe('paused');
      const refused = await api.http.post('/v1/agents/assistant/jobs').set(as).send({ message: 'please ask me something' });
      expect([refused.status, refused.body.error.code]).toEqual([429, 'too_many_runs']);
      // A direct run that pauses for an approval would be kept as one more paused run: refused at the cap too.
      const direct = await api.http.post('/v1/agents/assistant/runs').set(as).send({ message: 'refund 25' });
      expect([direct.status, direct.body.error?.code]).toEqual([429, 'too_many_runs']);
      expect((await api.http.get('/v1/approvals?status=pending').set(bearer(KEYS.acmeBob))).body.approvals).toEqual([]);
      // Answers are never refused; once the runs end, their slots come back.
      for (const runId of runIds) expect((await api.http.post(`/v1/runs/${runId}/resume`).set(as).send({ answer: 'blue' })).status).toBe(202);
      for (const runId of runIds) expect((await settled(api, runId)).body.status).toBe('completed');
      expect((await api.http.post('/v1/agents/assistant/jobs').set(as).send({ message: 'hello' })).status).toBe(202);
    } finally {
      await api.close();
    }
  });

  it("ends a run BullMQ gave up on because its workers kept dying: failed worker_lost, its slot back, the caller's words gone from the job", async () => {
    const env = baseEnv({ JOBS_MAX_PER_TENANT: '1' });
    const api = await startApi({ ...env, APP_ROLE: 'api' });
    const redis = new Redis(process.env.REDIS_URL!);
    let worker: INestApplicationContext | undefined;
    try {
      const { runId } = (await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'my secret plan' })).body;
      // What BullMQ's stalled check writes once a job stalled more than maxStalledCount times; the next worker to take it fails it unrun.
      const jobKey = `{${env.REDIS_KEY_PREFIX}bull}:agentnest-runs:${runId}`;
      expect(await redis.hset(jobKey, 'defa', 'job stalled more than allowable limit')).toBe(1);
      worker = (await createWorker({ ...env, APP_ROLE: 'worker' }, false)).app;
      await worker.init();
      expect((await settled(api, runId)).body).toMatchObject({ status: 'failed', error: { code: 'worker_lost' } });
      await eventually('the payload blanked', async () => (JSON.parse((await redis.hget(jobKey, 'data')) ?? '{}').message === '' ? true : undefined));
      expect(await redis.hget(jobKey, 'data')).not.toContain('secret plan');
      expect((await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'next' })).status).toBe(202);
    } finally {
      redis.disconnect();
      await worker?.close();
      await api.close();
    }
  });
});
