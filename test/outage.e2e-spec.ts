import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { AnthropicFake, type FakeReply } from '@agentnest/providers/testing';
import { API_KEYS, bearer, KEYS, runSettled, SECRET, startApi } from './harness.js';

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
      expect(finals.every((r) => r.reply === 'back again')).toBe(true);
    } finally {
      await api.close();
    }
  }, 60_000);

  it('fails a queued run once the outage outlasts JOBS_OUTAGE_MAX_MS', async () => {
    fake.respond = (): FakeReply => ({ kind: 'error', status: 503, message: 'down for good' });
    const api = await startApi(env({ JOBS_OUTAGE_MAX_MS: '2000' }));
    try {
      const { runId } = (await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: 'doomed' })).body;
      const final = await runSettled(api, runId, KEYS.acmeAlice, 30_000);
      expect(final.status).toBe('failed');
      expect(['provider_unavailable', 'provider_error']).toContain((final.error as { code: string }).code);
    } finally {
      await api.close();
    }
  }, 60_000);
});
