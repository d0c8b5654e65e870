import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import type { Response } from 'supertest';
import { startRedis } from './redis-server.js';
import { API_KEYS, bearer, KEYS, parseSse, redisHolding, runSettled, SECRET, startApi, type Api } from './harness.js';
import { until } from './eventually.js';

type RedisServer = Awaited<ReturnType<typeof startRedis>>;

// Every hole the attack on the service found, replayed: each must answer a stable 4xx, never a 5xx,
// a hang or a crash, and lose nothing.
// Erin's data is erased by the erasure test; nobody else uses her key.
const ERIN = 'key-acme-erin';
const env = (redisUrl: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: 'test',
  API_KEYS: `${API_KEYS},${ERIN}=acme/erin`,
  CHECKPOINT_SECRET: SECRET,
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: 'hostile:',
  MEMORY_STORE: 'redis',
  MAX_STREAMS_PER_TENANT: '5',
  JOBS_BACKOFF_MS: '10',
  ...extra,
});

const expectError = (res: Response, status: number, code: string) => expect([res.status, res.body?.error?.code]).toEqual([status, code]);
const nestedObject = (levels: number) => `${'{"a":'.repeat(levels)}{}${'}'.repeat(levels)}`;


describe('hostile input', () => {
  // A Redis of its own: the suite counts its client connections and scans all of its keys.
  let redis: RedisServer;
  let api: Api;
  let base: string;
  let watch: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    api = await startApi(env(redis.url));
    await api.app.listen(0, '127.0.0.1');
    base = await api.app.getUrl();
    watch = new Redis(redis.url);
  }, 30_000);
  afterAll(async () => {
    await api.close();
    watch.disconnect();
    await redis.stop();
  });

  const as = (key = KEYS.acmeAlice) => bearer(key);
  const run = (body: object, key?: string) => api.http.post('/v1/agents/assistant/runs').set(as(key)).send(body);
  const queue = (body: object, key?: string, headers: Record<string, string> = {}) => api.http.post('/v1/agents/assistant/jobs').set({ ...as(key), ...headers }).send(body);
  const resume = (on: Api, checkpoint: unknown, answer: string, key?: string) => on.http.post('/v1/agents/assistant/runs/resume').set(as(key)).send({ checkpoint, answer });
  const clients = async () => Number(/connected_clients:(\d+)/.exec(await watch.info('clients'))![1]);

  describe('output schemas from requests', () => {
    it('refuses $async (its validator rejected later and ended the process), sync and queued, and keeps serving', async () => {
      for (const schema of [{ $async: true, type: 'object' }, { type: 'object', properties: { answer: { $async: true, type: 'string' } } }]) {
        expectError(await run({ message: 'x', responseFormat: { schema } }), 400, 'invalid_output_schema');
        expectError(await queue({ message: 'x', responseFormat: { schema } }), 400, 'invalid_output_schema');
      }
      expect((await run({ message: 'still here' })).status).toBe(200);
    });

    it('runs patterns in linear time: (a+)+$ against 30 a and a bang does not freeze the event loop', async () => {
      const schema = { type: 'object', properties: { answer: { type: 'string', pattern: '(a+)+$' } }, required: ['answer'] };
      const started = Date.now();
      const [hostile, health] = await Promise.all([run({ message: `${'a'.repeat(30)}!`, responseFormat: { schema } }), api.http.get('/health')]);
      // "You said: aaa…!" never matches, nor does the repair: no tier serves.
      expectError(hostile, 502, 'output_invalid');
      expect(health.status).toBe(200);
      // A backtracking engine needs about 2^30 steps per test here (minutes); this bound only catches a regression to one.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await run({ message: 'aaaa', responseFormat: { schema } })).body.output).toEqual({ answer: 'You said: aaaa' });
      expectError(await run({ message: 'x', responseFormat: { schema: { type: 'string', pattern: '(a)\\1' } } }), 400, 'invalid_output_schema');
    });

    it('bounds what a schema may cost before compiling it', async () => {
      expectError(await run({ message: 'x', responseFormat: { schema: { type: 'object', description: 'd'.repeat(70_000) } } }), 400, 'invalid_output_schema');
      // About 0.6 MB of allOf (this took 9 s to compile): refused by size and object count.
      const allOf = { allOf: Array.from({ length: 40_000 }, (_, i) => ({ minLength: i % 10 })) };
      expect(JSON.stringify(allOf).length).toBeGreaterThan(500_000);
      expectError(await run({ message: 'x', responseFormat: { schema: allOf } }), 400, 'invalid_output_schema');
      expectError(await queue({ message: 'x', responseFormat: { schema: allOf } }), 400, 'invalid_output_schema');
      // A reference loop on the same value overflowed the stack.
      expectError(await run({ message: 'x', responseFormat: { schema: { allOf: [{ $ref: '#' }] } } }), 400, 'invalid_output_schema');
    });

    it("never lets one tenant's schema see or break another's", async () => {
      const secret = { $id: 'urn:acme:secret', type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
      expect((await run({ message: 'mine', responseFormat: { schema: secret } })).body.output).toEqual({ answer: 'You said: mine' });
      expectError(await run({ message: 'theirs', responseFormat: { schema: { $ref: 'urn:acme:secret' } } }, KEYS.globexAlice), 400, 'invalid_output_schema');
      expectError(await run({ message: 'theirs', responseFormat: { schema: { $ref: 'urn:acme:secret#/properties/answer' } } }, KEYS.globexAlice), 400, 'invalid_output_schema');
      // Claiming the same $id for another schema only affects the claimant's own run.
      expectError(await run({ message: 'claim', responseFormat: { schema: { $id: 'urn:acme:secret', type: 'object', required: ['nope'] } } }, KEYS.globexAlice), 502, 'output_invalid');
      expect((await run({ message: 'mine again', responseFormat: { schema: secret } })).body.output).toEqual({ answer: 'You said: mine again' });
    });
  });

  it('refuses bodies nested deeper than the bound on every endpoint (was a 500 stack overflow)', async () => {
    const cases: Array<[string, string]> = [
      ['/v1/agents/assistant/runs/resume', `{"checkpoint":${nestedObject(2_400)},"answer":"x"}`],
      ['/v1/agents/assistant/runs', `{"message":"x","responseFormat":{"schema":${nestedObject(4_200)}}}`],
      ['/v1/agents/assistant/jobs', `{"message":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
      ['/v1/runs/some-run/resume', `{"answer":${nestedObject(65)}}`],
    ];
    for (const [path, body] of cases) expectError(await api.http.post(path).set({ ...as(), 'content-type': 'application/json' }).send(body), 400, 'invalid_body');
    // Brackets inside strings are text, not nesting.
    expect((await run({ message: '['.repeat(5_000) })).status).toBe(200);
  });

  describe('run event streams', () => {
    it('answers a reconnect after the final event with 204 at once, and replays exactly what follows an earlier id', async () => {
      const { runId } = (await queue({ message: 'stream me' })).body;
      await runSettled(api, runId);
      const events = parseSse((await api.http.get(`/v1/runs/${runId}/events`).set(as()).buffer(true)).text);
      expect(events.at(-1)!.data).toMatchObject({ type: 'status', status: 'completed' });
      // What a browser's EventSource sends after the server closed: it used to hang forever.
      const again = await api.http.get(`/v1/runs/${runId}/events`).set({ ...as(), 'Last-Event-ID': events.at(-1)!.id });
      expect(again.status).toBe(204);
      const rest = await api.http.get(`/v1/runs/${runId}/events`).set({ ...as(), 'Last-Event-ID': events[0].id }).buffer(true);
      expect(parseSse(rest.text)).toEqual(events.slice(1));
    });

    it('refuses malformed Last-Event-IDs (400) and unknown runs (404) without opening connections', async () => {
      const { runId } = (await queue({ message: 'ids' })).body;
      await runSettled(api, runId);
      const before = await clients();
      // Well-formed ids past the stream's newest event were never sent either: following from one would skip all that comes.
      for (const id of ['99999999999999999999999-0', '18446744073709551616-0', '$', '+', '-', 'garbage', '-1-0', '1-2-3', '0x10-0', '', '9999999999999-0', `${Date.now() + 60_000}-0`]) {
        const res = await api.http.get(`/v1/runs/${runId}/events`).set({ ...as(), 'Last-Event-ID': id });
        if (id === '') expect(res.status).toBe(200);
        else expectError(res, 400, 'invalid_last_event_id');
      }
      await Promise.all(Array.from({ length: 100 }, () => api.http.get(`/v1/runs/${randomUUID()}/events`).set(as()).expect(404)));
      expect(await clients()).toBe(before);
    });

    it('serves every live stream from one shared connection, caps them per tenant (429), and closes them all at the end', async () => {
      const paused = (await queue({ message: 'please ask me something' })).body.runId as string;
      expect((await runSettled(api, paused)).status).toBe('paused');
      const before = await clients();
      const open = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const abort = new AbortController();
          const res = await fetch(`${base}/v1/runs/${paused}/events`, { headers: as(), signal: abort.signal });
          return { res, abort };
        }),
      );
      expect(open.map((o) => o.res.status)).toEqual([200, 200, 200, 200, 200]);
      expectError(await api.http.get(`/v1/runs/${paused}/events`).set(as()), 429, 'too_many_streams');
      // Another tenant is not held back by acme's streams.
      const theirs = (await queue({ message: 'theirs' }, KEYS.globexAlice)).body.runId as string;
      await runSettled(api, theirs, KEYS.globexAlice);
      expect((await api.http.get(`/v1/runs/${theirs}/events`).set(as(KEYS.globexAlice))).status).toBe(200);
      // Five followers, one blocking reader at most (the hub's, if this process had none yet).
      expect(await clients()).toBeLessThanOrEqual(before + 1);

      expect((await api.http.post(`/v1/runs/${paused}/resume`).set(as()).send({ answer: 'blue' })).status).toBe(202);
      for (const text of await Promise.all(open.map((o) => o.res.text()))) {
        expect(parseSse(text).at(-1)!.data).toMatchObject({ type: 'status', status: 'completed', text: 'You answered: blue' });
      }
      // Closed streams gave their slots back.
      const replays = await Promise.all(Array.from({ length: 5 }, () => api.http.get(`/v1/runs/${paused}/events`).set(as())));
      expect(replays.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      // A client that leaves mid-stream gives its slot back too: three rounds of five would hit the cap otherwise.
      const held = (await queue({ message: 'please ask me something' })).body.runId as string;
      await runSettled(api, held);
      const follow = async () => {
        const abort = new AbortController();
        const res = await fetch(`${base}/v1/runs/${held}/events`, { headers: as(), signal: abort.signal });
        return { status: res.status, leave: () => (abort.abort(), res.text().catch(() => '')) };
      };
      for (let round = 0; round < 3; round++) {
        const leaving = await Promise.all(Array.from({ length: 5 }, follow));
        expect(leaving.map((o) => o.status)).toEqual([200, 200, 200, 200, 200]);
        await Promise.all(leaving.map((o) => o.leave()));
        // The server notices closed sockets asynchronously: wait until one slot is free again.
        await until('a stream slot to be free again', async () => {
          const probe = await follow();
          await probe.leave();
          return probe.status === 200;
        }, { timeoutMs: 5_000, everyMs: 20 });
      }
    });
  });

  describe('erasure', () => {
    it('forgets a conversation, then a whole principal, everywhere: runs, events, job payloads, idempotency records, checkpoints', async () => {
      const marker = `secret-${randomUUID()}`;
      const done = (await queue({ message: `remember ${marker}`, conversationId: 'erase-1' }, ERIN, { 'Idempotency-Key': `idem-${marker}` })).body.runId as string;
      const pausedJob = (await queue({ message: `please ask me about ${marker}`, conversationId: 'erase-1' }, ERIN)).body.runId as string;
      const other = (await queue({ message: `other ${marker}`, conversationId: 'erase-2' }, ERIN)).body.runId as string;
      const bobs = (await queue({ message: `bob ${marker}`, conversationId: 'erase-1' }, KEYS.acmeBob)).body.runId as string;
      for (const id of [done, pausedJob, other]) await runSettled(api, id, ERIN);
      await runSettled(api, bobs, KEYS.acmeBob);
      const syncPaused = await run({ message: `please ask me ${marker}`, conversationId: 'erase-3' }, ERIN);
      expect(syncPaused.body.status).toBe('paused');
      expect((await api.http.get(`/v1/runs/${done}`).set(as(ERIN))).body.text).toContain(marker);
      expect((await redisHolding(watch, marker)).length).toBeGreaterThan(4);

      const one = await api.http.delete('/v1/conversations/erase-1').set(as(ERIN));
      expect([one.status, one.body]).toEqual([200, { conversationId: 'erase-1', runsRemoved: 2, checkpointsRevoked: true }]);
      for (const path of [`/v1/runs/${done}`, `/v1/runs/${done}/events`, `/v1/runs/${pausedJob}`]) expect((await api.http.get(path).set(as(ERIN))).status).toBe(404);
      expect((await api.http.get(`/v1/runs/${other}`).set(as(ERIN))).status).toBe(200);
      // The Idempotency-Key record went with its run: the same key now queues a new run.
      const reused = await queue({ message: `remember ${marker}`, conversationId: 'erase-1' }, ERIN, { 'Idempotency-Key': `idem-${marker}` });
      expect(reused.body.runId).not.toBe(done);
      await runSettled(api, reused.body.runId, ERIN);

      const all = await api.http.delete('/v1/memory').set(as(ERIN));
      expect([all.status, all.body]).toEqual([200, { conversationsRemoved: 2, runsRemoved: 2, checkpointsRevoked: true }]);
      // Nothing of erin's text is left anywhere in Redis; bob's own run is untouched.
      const left = await redisHolding(watch, marker);
      expect(left.length).toBeGreaterThan(0);
      expect(left.filter((entry) => !entry.includes(`bob ${marker}`))).toEqual([]);
      expect((await api.http.get(`/v1/runs/${bobs}`).set(as(KEYS.acmeBob))).body.text).toBe(`You said: bob ${marker}`);
      // The checkpoint erin still holds cannot write anything back.
      expectError(await resume(api, syncPaused.body.checkpoint, 'bring it back', ERIN), 410, 'checkpoint_revoked');
      expect((await api.http.get('/v1/conversations/erase-3/messages').set(as(ERIN))).body.messages).toEqual([]);
    });
  });

  describe('checkpoints', () => {
    it('resumes a checkpoint once, across instances; two concurrent resumes: one wins', async () => {
      const b = await startApi(env(redis.url));
      try {
        const paused = await run({ message: 'please ask me something', conversationId: 'once' });
        const [first, second] = await Promise.all([resume(api, paused.body.checkpoint, 'blue'), resume(b, paused.body.checkpoint, 'red')]);
        expect([first.status, second.status].sort()).toEqual([200, 409]);
        expect([first, second].find((r) => r.status === 409)!.body.error.code).toBe('checkpoint_used');
        expectError(await resume(b, paused.body.checkpoint, 'green'), 409, 'checkpoint_used');
        const history = (await api.http.get('/v1/conversations/once/messages').set(as())).body.messages as Array<{ content: string }>;
        expect(history.filter((m) => m.content.startsWith('You answered'))).toHaveLength(1);
      } finally {
        await b.close();
      }
    });

    // Expiry itself is covered on an injected clock (checkpoint-ledger.spec.ts); this checks the service end to
    // end at the shortest TTL it accepts (1 s).
    it('expires checkpoints after CHECKPOINT_TTL (410)', async () => {
      const short = await startApi(env(redis.url, { CHECKPOINT_TTL: '1s' }));
      try {
        const paused = await short.http.post('/v1/agents/assistant/runs').set(as()).send({ message: 'please ask me something' });
        const expiresAt = Date.parse(paused.body.checkpoint.body.expiresAt);
        expect(expiresAt).toBeGreaterThan(Date.now() - 1_000);
        // Waits until the checkpoint's own expiry has passed (this process's clock is the service's), not a fixed time.
        await until('the checkpoint to expire', () => Date.now() > expiresAt, { timeoutMs: 5_000, everyMs: 10 });
        expectError(await resume(short, paused.body.checkpoint, 'late'), 410, 'checkpoint_expired');
      } finally {
        await short.close();
      }
    });
  });

  it('lets exactly one of an answer and a cancel of a paused queued run win, every time', async () => {
    const prefix = `hostile-race-${randomUUID()}:`;
    const pausing = await startApi(env(redis.url, { REDIS_KEY_PREFIX: prefix }));
    const runIds = await (async () => {
      try {
        const ids = await Promise.all(Array.from({ length: 25 }, async () => (await pausing.http.post('/v1/agents/assistant/jobs').set(as()).send({ message: 'please ask me something' })).body.runId as string));
        for (const id of ids) expect((await runSettled(pausing, id)).status).toBe('paused');
        return ids;
      } finally {
        await pausing.close();
      }
    })();
    // No worker while the requests race, so nothing but the two requests decides.
    const front = await startApi(env(redis.url, { REDIS_KEY_PREFIX: prefix, APP_ROLE: 'api' }));
    const answered = new Map<string, string>();
    try {
      for (const [i, id] of runIds.entries()) {
        const [answer, cancel] = await Promise.all([front.http.post(`/v1/runs/${id}/resume`).set(as()).send({ answer: `answer ${i}` }), front.http.delete(`/v1/runs/${id}`).set(as())]);
        const wins = [answer.status === 202, cancel.status === 200];
        expect(wins.filter(Boolean)).toHaveLength(1);
        expectError(wins[0] ? cancel : answer, 409, 'run_state_conflict');
        if (wins[0]) answered.set(id, `answer ${i}`);
      }
    } finally {
      await front.close();
    }
    // A worker then carries out exactly the winners.
    const worker = await startApi(env(redis.url, { REDIS_KEY_PREFIX: prefix }));
    try {
      for (const id of runIds) {
        const final = await runSettled(worker, id);
        expect(final).toMatchObject(answered.has(id) ? { status: 'completed', text: `You answered: ${answered.get(id)}` } : { status: 'cancelled' });
      }
    } finally {
      await worker.close();
    }
  }, 60_000);

  describe('smaller holes', () => {
    it('refuses conversation ids that are not well-formed UTF-16 (\\ud800, \\udfff and \\ufffd collided)', async () => {
      for (const path of ['/v1/agents/assistant/runs', '/v1/agents/assistant/jobs']) {
        for (const id of ['\\ud800', '\\udfff', 'a\\udc00b']) {
          const res = await api.http.post(path).set({ ...as(), 'content-type': 'application/json' }).send(`{"message":"hi","conversationId":"${id}"}`);
          expectError(res, 400, 'invalid_identity');
        }
      }
      expect((await run({ message: 'hi', conversationId: '\ufffd' })).status).toBe(200);
      expect((await run({ message: 'hi', conversationId: '\ud83d\ude00' })).status).toBe(200);
      expectError(await api.http.get('/v1/conversations/%ED%A0%80/messages').set(as()), 400, 'bad_request');
    });

    it('answers impossible usage dates with 400 invalid_query', async () => {
      expectError(await api.http.get('/v1/usage?from=2026-02-31').set(as()), 400, 'invalid_query');
      expectError(await api.http.get('/v1/usage?from=2026-02-01&to=2026-04-31').set(as()), 400, 'invalid_query');
      expect((await api.http.get('/v1/usage?from=2024-02-29&to=2024-03-01').set(as())).status).toBe(200);
    });

    it('compares Idempotency-Key bodies canonically', async () => {
      const key = { 'Idempotency-Key': `canon-${randomUUID()}` };
      const first = await queue({ message: 'once', conversationId: 'canon' }, KEYS.acmeAlice, key);
      const reordered = await queue({ conversationId: 'canon', message: 'once' }, KEYS.acmeAlice, key);
      expect(reordered.body.runId).toBe(first.body.runId);
      await runSettled(api, first.body.runId);
    });

    it('refuses compressed bodies with 415, as documented', async () => {
      const res = await api.http.post('/v1/agents/assistant/runs').set({ ...as(), 'content-type': 'application/json', 'content-encoding': 'gzip' }).send(gzipSync(JSON.stringify({ message: 'zipped' })));
      expectError(res, 415, 'unsupported_media_type');
    });

    it('accepts responseFormat on queued runs', async () => {
      const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
      const { runId } = (await queue({ message: 'structured', responseFormat: { schema } })).body;
      expect(await runSettled(api, runId)).toMatchObject({ status: 'completed', output: { answer: 'You said: structured' }, outputTier: 'model', text: '{"answer":"You said: structured"}' });
    });

    it('reports Redis and the queue in /health', async () => {
      const health = await api.http.get('/health');
      expect(health.status).toBe(200);
      expect(health.body.details).toMatchObject({ memory: { status: 'up' }, redis: { status: 'up' }, queue: { status: 'up' }, agents: { status: 'up' } });
    });

    it('pages history and caps what one conversation holds', async () => {
      for (const m of ['one', 'two', 'three']) await run({ message: m, conversationId: 'pages' });
      const page = (q: string) => api.http.get(`/v1/conversations/pages/messages?${q}`).set(as());
      const newest = await page('limit=2');
      expect(newest.body).toMatchObject({ nextOffset: 2, messages: [{ content: 'three' }, { content: 'You said: three' }] });
      expect((await page('limit=2&offset=4')).body).toMatchObject({ nextOffset: 6, messages: [{ content: 'one' }, { content: 'You said: one' }] });
      expect((await page('limit=2&offset=6')).body).toEqual({ conversationId: 'pages', messages: [] });
      for (const bad of ['limit=101', 'offset=-1', 'offset=x', 'limit=1000']) expectError(await page(bad), 400, 'invalid_query');

      const capped = await startApi(env(redis.url, { MEMORY_MAX_MESSAGES: '4', REDIS_KEY_PREFIX: `hostile-cap-${randomUUID()}:` }));
      try {
        for (const m of ['one', 'two', 'three']) await capped.http.post('/v1/agents/assistant/runs').set(as()).send({ message: m, conversationId: 'capped' });
        const kept = (await capped.http.get('/v1/conversations/capped/messages?limit=100').set(as())).body.messages as Array<{ content: string }>;
        expect(kept.map((m) => m.content)).toEqual(['two', 'You said: two', 'three', 'You said: three']);
      } finally {
        await capped.close();
      }
    });

    it('holds a flood of queued runs to the tenant cap, atomically, while other tenants queue as usual', async () => {
      const capped = await startApi(env(redis.url, { APP_ROLE: 'api', JOBS_MAX_PER_TENANT: '20', REDIS_KEY_PREFIX: `hostile-quota-${randomUUID()}:` }));
      try {
        const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => capped.http.post('/v1/agents/assistant/jobs').set(as(i % 2 ? KEYS.acmeAlice : KEYS.acmeBob)).send({ message: `flood ${i}` })));
        const statuses = flood.map((r) => r.status);
        expect([statuses.filter((s) => s === 202).length, statuses.filter((s) => s === 429).length]).toEqual([20, 180]);
        for (const r of flood.filter((f) => f.status === 429)) expect([r.body.error.code, r.headers['retry-after']]).toEqual(['too_many_runs', '5']);
        expect((await capped.http.post('/v1/agents/assistant/jobs').set(as(KEYS.globexAlice)).send({ message: 'mine' })).status).toBe(202);
      } finally {
        await capped.close();
      }
    });
  });
});
