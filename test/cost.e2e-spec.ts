import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { API_KEYS, bearer, KEYS, SECRET, startApi, type Api } from './harness.js';

// demo-1 priced at $100 / $200 per million tokens: a short run costs a few thousandths of a dollar.
const PRICING = { 'demo-1': { input: 100, output: 200 } };
const env = (extra: Record<string, string>) => ({
  NODE_ENV: 'test',
  API_KEYS,
  CHECKPOINT_SECRET: SECRET,
  REDIS_URL: process.env.REDIS_URL!,
  REDIS_KEY_PREFIX: `e2e-cost-${randomUUID()}:`,
  LLM_PRICING: JSON.stringify(PRICING),
  ...extra,
});

describe('tenant budgets and usage over HTTP', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(env({ TENANT_BUDGET_DAILY_USD: '0.4', TENANT_BUDGETS: JSON.stringify({ globex: { dailyUsd: 10 } }) }));
  });
  afterAll(() => api.close());
  const run = (key: string, message: string) => api.http.post('/v1/agents/assistant/runs').set(bearer(key)).send({ message });

  it('answers 402 budget_exhausted once the daily budget is spent, for that tenant only; usage is tokens x price', async () => {
    const ok: Array<{ inputTokens: number; outputTokens: number }> = [];
    let res = await run(KEYS.acmeAlice, 'spend some of the budget please');
    for (let i = 0; res.status === 200 && i < 200; i++) {
      ok.push(res.body.usage);
      res = await run(i % 2 ? KEYS.acmeAlice : KEYS.acmeBob, 'spend some of the budget please');
    }
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('budget_exhausted');
    expect(ok.length).toBeGreaterThan(3);
    expect((await run(KEYS.globexAlice, 'still fine')).status).toBe(200);

    const usage = await api.http.get('/v1/usage').set(bearer(KEYS.acmeBob));
    expect(usage.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const input = ok.reduce((n, u) => n + u.inputTokens, 0);
    const output = ok.reduce((n, u) => n + u.outputTokens, 0);
    expect(usage.body.rows).toEqual([{ day: today, agent: 'assistant', model: 'demo-1', calls: ok.length, inputTokens: input, outputTokens: output, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: expect.any(Number), unsettledCalls: 0, estimatedCalls: 0 }]);
    expect(usage.body.rows[0].costUsd).toBeCloseTo((input * 100 + output * 200) / 1e6, 6);
    expect(usage.body.totals.costUsd).toBeLessThanOrEqual(0.4);
    // Another tenant sees only its own line.
    const other = await api.http.get(`/v1/usage?from=${today}&to=${today}`).set(bearer(KEYS.globexAlice));
    expect(other.body.rows).toEqual([expect.objectContaining({ calls: 1 })]);
  });

  it('rejects bad ranges', async () => {
    for (const q of ['from=2026-13-01', 'from=2026-02-10&to=2026-02-01', 'from=2024-01-01&to=2026-01-01', 'day=2026-01-01']) {
      const res = await api.http.get(`/v1/usage?${q}`).set(bearer(KEYS.acmeAlice));
      expect(res.status).toBe(400);
    }
    expect((await api.http.get('/v1/usage')).status).toBe(401);
  });
});

describe('honest tenant holds over HTTP', () => {
  let api: Api;
  beforeAll(async () => {
    // Cheap input, dear output: 1,024 output tokens ($0.2048) would not fit acme's $0.05, nor 64 ($0.0128) globex's $0.01.
    api = await startApi(env({ LLM_PRICING: JSON.stringify({ 'demo-1': { input: 1, output: 200 } }), TENANT_BUDGETS: JSON.stringify({ acme: { dailyUsd: 0.05 }, globex: { dailyUsd: 0.01 } }) }));
  });
  afterAll(() => api.close());
  const run = (key: string, message: string) => api.http.post('/v1/agents/assistant/runs').set(bearer(key)).send({ message });
  const usage = async (key: string) => (await api.http.get('/v1/usage').set(bearer(key))).body;

  it("answers a tenant's first call within a small budget, its reply cut at the output the budget could hold", async () => {
    // The demo model echoes the message: ~750 tokens, more than the budget leaves room for.
    const res = await run(KEYS.acmeAlice, 'please say all of this back to me '.repeat(90));
    expect(res.status).toBe(200);
    const limited = (res.body.narrative as string[]).map((l) => /^Reply limited to (\d+) tokens \(of 4096\): that is what the tenant's daily budget has left$/.exec(l)).find(Boolean);
    expect(limited).toBeTruthy();
    const granted = Number(limited![1]);
    expect(granted).toBeGreaterThanOrEqual(64);
    expect(res.body).toMatchObject({ status: 'completed', finishReason: 'length', usage: { outputTokens: granted } });

    const acme = await usage(KEYS.acmeBob);
    expect(acme.rows).toEqual([expect.objectContaining({ calls: 1, inputTokens: res.body.usage.inputTokens, outputTokens: granted })]);
    expect(acme.totals.costUsd).toBeCloseTo((res.body.usage.inputTokens * 1 + granted * 200) / 1e6, 6);
    expect(acme.totals.costUsd).toBeLessThanOrEqual(0.05);

    // What is left cannot hold a small reply: refused with the stable code, and told the truth.
    const next = await run(KEYS.acmeBob, 'and once more');
    expect(next.status).toBe(402);
    expect(next.body.error.code).toBe('budget_exhausted');
    expect(next.body.error.message).toMatch(/^this model call would exceed the tenant's daily budget of \$0\.05: it needs at least \$0\.01\d*, and \$0\.04\d* of it is spent$/);
    expect((await usage(KEYS.acmeAlice)).rows).toEqual(acme.rows);
  });

  it('refuses a call bigger than the whole budget as "would exceed", never "spent", with nothing used', async () => {
    const res = await run(KEYS.globexAlice, 'hello');
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('budget_exhausted');
    expect(res.body.error.message).toMatch(/^this model call would exceed the tenant's daily budget of \$0\.01: it needs at least \$0\.01\d*, and none of it is used yet$/);
    expect(res.body.error.message).not.toMatch(/is spent/);
    expect(await usage(KEYS.globexAlice)).toMatchObject({ rows: [], totals: { costUsd: 0 } });
  });
});

describe('per-run budget over HTTP', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(env({ RUN_BUDGET_USD: '0.001' }));
  });
  afterAll(() => api.close());

  it('stops a run that spends its budget before carrying out the next tool call', async () => {
    const res = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'what time is it? '.repeat(20) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'budget_exceeded', limitUsd: 0.001 });
    expect(res.body.costUsd).toBeGreaterThan(0.001);
    const narrative = res.body.narrative.join('\n');
    expect(narrative).toMatch(/Assistant called clock/);
    expect(narrative).not.toMatch(/Tool clock returned/);
    expect(narrative).toMatch(/Run budget of \$0\.001 exceeded .*stopping here/);
  });
});
