import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { AnthropicFake, type FakeReply } from '@agentnest/providers/testing';
import { Redis } from 'ioredis';
import { API_KEYS, bearer, createDatabase, KEYS, redisHolding, runSettled, SECRET, startApi } from './harness.js';
import { eventually } from './eventually.js';

// Queued runs are where production traffic goes: during a provider outage they must wait, not fail.
describe('queued runs during a provider outage', () => {
  const fake = new AnthropicFake('sk-ant-outage');
  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  const env = (extra: Record<string, string>) => ({
    NODE_ENV: 'test',
    API_KEYS,
    CHECKPOINT_SECRET: SECRET,
    REDIS_URL: process.env.REDIS_URL!,
    REDIS_KEY_PREFIX: `outage-${randomUUID()}:`,
    LLM_PROVIDER: 'anthropic',
    LLM_MODEL: 'claude-outage',
    ANTHROPIC_API_KEY: 'sk-ant-outage',
    ANTHROPIC_BASE_URL: fake.origin,
    LLM_BREAKER_FAILURES: '3',
    LLM_BREAKER_COOLDOWN_MS: '1500',
    // Two attempts a second apart: without waiting out the circuit, every run below would fail.
    JOBS_ATTEMPTS: '2',
    JOBS_BACKOFF_MS: '50',
    JOBS_CONCURRENCY: '8',
    ...extra,
  });

  it('waits out an open circuit: 20 runs queued during the outage all complete once the provider is back', async () => {
    let down = true;
    fake.respond = (): FakeReply => (down ? { kind: 'error', status: 503, message: 'down' } : { text: 'back again' });
    const api = await startApi(env({}));
    try {
      // Synchronous calls fail until the breaker opens.
      let sync = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'hi' });
      for (let i = 0; i < 10 && sync.body.error?.code !== 'provider_unavailable'; i++) sync = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'hi' });
      expect(sync.body.error.code).toBe('provider_unavailable');
      const runIds = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: `queued ${i}` })).body.runId as string));
      // The provider comes back while the circuit is still open; the first probe after the cooldown closes it.
      down = false;
      const finals = await Promise.all(runIds.map((id) => runSettled(api, id, KEYS.acmeAlice, 30_000)));
      expect(finals.map((r) => r.status)).toEqual(Array(20).fill('completed'));
      expect(finals.every((r) => r.text === 'back again')).toBe(true);
      // Waiting out the outage spent no attempt: JOBS_ATTEMPTS is 2, and each run took at most that.
      expect(Math.max(...finals.map((r) => r.attempts as number))).toBeLessThanOrEqual(2);
    } finally {
      await api.close();
    }
  }, 60_000);

  it('fails a queued run once the outage outlasts JOBS_OUTAGE_MAX_MS', async () => {
    fake.respond = (): FakeReply => ({ kind: 'error', status: 503, message: 'down for good' });
    const api = await startApi(env({ JOBS_OUTAGE_MAX_MS: '2000' }));
    try {
      const needle = `doomed-${randomUUID()}`;
      const { runId } = (await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: needle })).body;
      const final = await runSettled(api, runId, KEYS.acmeAlice, 30_000);
      expect(final.status).toBe('failed');
      expect(['provider_unavailable', 'provider_error']).toContain((final.error as { code: string }).code);
      // However many times it went back to wait, it spent at most JOBS_ATTEMPTS (2).
      expect(final.attempts).toBeLessThanOrEqual(2);
      // The failed job BullMQ keeps holds no trace of what the caller sent.
      const redis = new Redis(process.env.REDIS_URL!);
      try {
        expect(await redisHolding(redis, needle)).toEqual([]);
      } finally {
        redis.quit();
      }
    } finally {
      await api.close();
    }
  }, 60_000);
});

/** A TCP hop in front of a real server that the test can cut (every connection dropped, new ones refused) and restore on the same port. */
class CuttableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.server!.close(resolve));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe('queued runs when the memory store drops mid-run', () => {
  const fake = new AnthropicFake('sk-ant-store');
  beforeAll(() => fake.start());
  afterAll(() => fake.close());

  it('a run whose turn cannot be written waits for the store without spending attempts, then writes it once', async () => {
    const database = new URL(await createDatabase());
    const proxy = new CuttableProxy({ host: database.hostname, port: Number(database.port) });
    await proxy.listen();
    database.host = `127.0.0.1:${proxy.port}`;
    let release!: () => void;
    const held = new Promise((r) => (release = () => r(undefined)));
    let calls = 0;
    // The first answer is held until the store is gone; retries answer at once.
    fake.respond = (): FakeReply => (++calls === 1 ? { text: 'written once', holdAfterEvents: 1, release: held } : { text: 'written once' });
    const api = await startApi({
      NODE_ENV: 'test',
      API_KEYS,
      CHECKPOINT_SECRET: SECRET,
      REDIS_URL: process.env.REDIS_URL!,
      REDIS_KEY_PREFIX: `store-outage-${randomUUID()}:`,
      MEMORY_STORE: 'postgres',
      DATABASE_URL: database.toString(),
      DATABASE_MIGRATE: 'true',
      LLM_PROVIDER: 'anthropic',
      LLM_MODEL: 'claude-store',
      ANTHROPIC_API_KEY: 'sk-ant-store',
      ANTHROPIC_BASE_URL: fake.origin,
      JOBS_ATTEMPTS: '1',
      JOBS_BACKOFF_MS: '50',
    });
    try {
      const { runId } = (await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'keep me', conversationId: 'store-drop' })).body;
      await eventually('the model call', async () => (calls === 1 ? true : undefined));
      await proxy.cut();
      release();
      // The turn could not be written: back to queued with the store's error, no attempt spent (one is all it has).
      const waiting = await eventually('the run to wait for the store', async () => {
        const r = (await api.http.get(`/v1/runs/${runId}`).set(bearer(KEYS.acmeAlice))).body;
        return r.status === 'queued' && r.error?.code === 'store_unavailable' ? r : undefined;
      });
      expect(waiting.error.code).toBe('store_unavailable');
      await proxy.listen();
      const done = await runSettled(api, runId, KEYS.acmeAlice, 20_000);
      expect(done).toMatchObject({ status: 'completed', text: 'written once' });
      const history = await api.http.get('/v1/conversations/store-drop/messages').set(bearer(KEYS.acmeAlice));
      expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual(['keep me', 'written once']);
    } finally {
      await api.close();
      await proxy.cut().catch(() => undefined);
    }
  }, 60_000);
});
