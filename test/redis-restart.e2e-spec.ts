import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startRedis } from './redis-server.js';
import { API_KEYS, bearer, KEYS, runSettled, SECRET, startApi, type Api } from './harness.js';
import { eventually } from './eventually.js';

type RedisServer = Awaited<ReturnType<typeof startRedis>>;

describe('Redis restarted under a running service', () => {
  let redis: RedisServer;
  let api: Api;
  beforeAll(async () => {
    // A Redis of its own: the suite stops and restarts it on the same port.
    redis = await startRedis();
    api = await startApi({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, REDIS_URL: redis.url, REDIS_KEY_PREFIX: `restart-${randomUUID()}:`, MEMORY_STORE: 'redis' });
  }, 30_000);
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  // Waits for a queued run to finish, so no job is mid-flight when Redis stops or the app closes.
  const finished = async (runId: string) => (await runSettled(api, runId)).status;
  const run = (message: string) => api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message, conversationId: 'restart' });

  it('answers 503 store_unavailable while Redis is down and recovers without a restart', async () => {
    expect((await run('before')).status).toBe(200);
    const queued = (await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'before' })).body.runId as string;
    expect(await finished(queued)).toBe('completed');
    // A live stream is open while Redis goes away: its connection's errors must be handled, not printed as unhandled.
    const paused = (await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'please ask me something' })).body.runId as string;
    await runSettled(api, paused);
    await api.app.listen(0, '127.0.0.1');
    const following = new AbortController();
    const stream = await fetch(`${await api.app.getUrl()}/v1/runs/${paused}/events`, { headers: bearer(KEYS.acmeAlice), signal: following.signal });
    expect(stream.status).toBe(200);
    const printed: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
    await redis.stop();

    const started = Date.now();
    const down = await run('during');
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('store_unavailable');
    expect(down.headers['retry-after']).toBe('1');
    // The queue's endpoints too: queueing, reading a run, following its events, cancelling.
    const jobsDown = [
      api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'during' }),
      api.http.get(`/v1/runs/${queued}`).set(bearer(KEYS.acmeAlice)),
      api.http.get(`/v1/runs/${queued}/events`).set(bearer(KEYS.acmeAlice)),
      api.http.delete(`/v1/runs/${queued}`).set(bearer(KEYS.acmeAlice)),
      api.http.post(`/v1/runs/${queued}/resume`).set(bearer(KEYS.acmeAlice)).send({ answer: 'x' }),
    ];
    for (const res of await Promise.all(jobsDown)) expect([res.status, res.body.error?.code]).toEqual([503, 'store_unavailable']);
    const health = await api.http.get('/health');
    expect(health.status).toBe(503);
    expect(health.body.error).toMatchObject({ memory: { status: 'down', store: 'redis' }, redis: { status: 'down' }, queue: { status: 'down' } });
    // Every answer above came at once, not after a reconnect backoff (5-10 s before); the bound only catches that regression.
    expect(Date.now() - started).toBeLessThan(4_000);

    redis = await startRedis(redis.port);
    const after = await eventually('the service to recover', async () => {
      const res = await run('after');
      return res.status === 200 ? res : undefined;
    }, { timeoutMs: 15_000, everyMs: 100 });
    expect(after.status).toBe(200);
    expect((await api.http.get('/health')).status).toBe(200);
    const again = await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'after' });
    expect(again.status).toBe(202);
    expect(await finished(again.body.runId)).toBe('completed');
    following.abort();
    spy.mockRestore();
    expect(printed.filter((line) => /Unhandled error event/.test(line))).toEqual([]);
  }, 60_000);
});
