import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { AnthropicFake } from '@agentnest/providers/testing';
import { freePort } from '../apps/api/src/redis/local-redis.js';
import { API_KEYS, bearer, KEYS, SECRET, startApi, type Api } from './harness.js';
import { eventually } from './eventually.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

// $1 per million input tokens, $15 per million output: a call of the agent's 4,096 output tokens is $0.0614, so $0.50 a day pays for 8 and a part.
const PRICE = { input: 1, output: 15 };
const MODEL = 'claude-budget';
const ANTHROPIC_KEY = 'sk-ant-budget-leases';
/** What a reply the vendor billed costs, from what it reported. */
const costOf = (input: number, output: number) => (input * PRICE.input + output * PRICE.output) / 1e6;
/** A vendor that writes every token it is allowed (up to 16,000) and bills them. */
const greedy = (req: { body: unknown }) => {
  const allowed = Math.min(16_000, (req.body as { max_tokens: number }).max_tokens);
  return { text: 'word '.repeat(20), usage: { inputTokens: 40, outputTokens: allowed }, delayMs: 30 };
};

const today = () => new Date().toISOString().slice(0, 10);

describe('tenant budgets across instances and crashes', () => {
  const fake = new AnthropicFake(ANTHROPIC_KEY);
  const services: ServiceProcess[] = [];
  const apis: Api[] = [];
  const redis = new Redis(process.env.REDIS_URL!);
  beforeAll(() => fake.start());
  afterAll(async () => {
    for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await Promise.all(apis.map((a) => a.close()));
    await redis.quit();
    await fake.close();
  });

  const env = (prefix: string, extra: Record<string, string> = {}) => ({
    NODE_ENV: 'test',
    API_KEYS,
    CHECKPOINT_SECRET: SECRET,
    LLM_PROVIDER: 'anthropic',
    LLM_MODEL: MODEL,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: fake.origin,
    LLM_PRICING: JSON.stringify({ [MODEL]: PRICE }),
    REDIS_URL: process.env.REDIS_URL!,
    REDIS_KEY_PREFIX: prefix,
    ...extra,
  });
  const started = async (e: Record<string, string>) => {
    const api = await startApi(e);
    apis.push(api);
    return api;
  };
  const usage = async (api: Api) => (await api.http.get(`/v1/usage?from=${today()}&to=${today()}`).set(bearer(KEYS.acmeAlice))).body;
  const billed = (prefix: string) => fake.requests.filter((r) => (r.body as { messages?: Array<{ content: unknown }> }).messages?.some((m) => JSON.stringify(m.content).includes(prefix)));

  it('30 concurrent runs over two instances sharing one ledger, against a vendor that writes all it may: the tenant is charged at most its budget', async () => {
    const prefix = `e2e-race-${randomUUID()}:`;
    fake.respond = greedy;
    const e = env(prefix, { TENANT_BUDGET_DAILY_USD: '0.5' });
    const [one, two] = [await started(e), await started(e)];
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? two : one).http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: `${prefix} run ${i}` })));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 402)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(statuses).toContain(402);

    // What the vendor billed, from the requests it answered: each wrote its whole max_tokens.
    const calls = billed(prefix);
    const vendorUsd = calls.reduce((n, r) => n + costOf(40, Math.min(16_000, (r.body as { max_tokens: number }).max_tokens)), 0);
    const oneCallCap = costOf(40, 4096);
    const report = await usage(one);
    expect(report.totals.calls).toBe(calls.length);
    expect(report.totals.costUsd).toBeCloseTo(vendorUsd, 6);
    expect(report.totals.costUsd).toBeLessThanOrEqual(0.5 + oneCallCap);
    // Holds are sized to what is left, so in practice the bound is the budget itself.
    expect(report.totals.costUsd).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(calls.length).toBeGreaterThan(8);
    expect(await usage(two)).toEqual(report);
  }, 60_000);

  it('SIGKILL mid-call: after the lease expires the held amount is charged (not freed), shows in usage as an unsettled call, and the tenant spends what is left', async () => {
    const prefix = `e2e-kill-${randomUUID()}:`;
    const port = await freePort();
    const e = env(prefix, { TENANT_BUDGET_DAILY_USD: '0.1', TENANT_HOLD_LEASE_MS: '1000' });
    const child = await startServiceProcess({ ...e, PORT: String(port) });
    services.push(child);
    const api = await started(e);
    // The first call never answers: its process dies with the call in flight.
    fake.respond = (req) => (JSON.stringify(req.body).includes('dies') ? { kind: 'hang' } : greedy(req));
    const dying = request(`http://127.0.0.1:${port}`).post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: `${prefix} this call dies` }).then(() => undefined, () => undefined);
    const [inFlight] = await eventually('the call to reach the vendor', async () => (billed(prefix).length ? billed(prefix) : undefined));
    const sent = (inFlight.body as { max_tokens: number }).max_tokens;
    // While it is in flight the live process renews its lease (its expiry moves on by the server's clock), and nothing is charged.
    const [leases] = await redis.keys(`${prefix}ledger:*:lx`);
    const expiry = async () => Number((await redis.zrange(leases, '0', '0', 'WITHSCORES'))[1]);
    const first = await expiry();
    await eventually('the lease to be renewed twice', async () => ((await expiry()) > first + 500 ? true : undefined), { timeoutMs: 10_000 });
    expect((await usage(api)).rows).toEqual([]);

    child.child.kill('SIGKILL');
    await dying;
    const row = await eventually('the dead call to show in usage', async () => (await usage(api)).rows.find((r: { unsettledCalls: number }) => r.unsettledCalls === 1), { timeoutMs: 15_000 });
    // Charged what it held: at least every output token it was allowed, at the output price.
    expect(row).toMatchObject({ agent: 'assistant', model: MODEL, calls: 1, unsettledCalls: 1, inputTokens: 0, outputTokens: 0 });
    expect(sent).toBe(4096);
    expect(row.costUsd).toBeGreaterThanOrEqual(costOf(0, sent));
    // Nothing is left held for the dead call: every held counter of the tenant is back to 0.
    const heldKeys = await redis.keys(`${prefix}ledger:*:dh:*`);
    expect(heldKeys.length).toBe(1);
    expect(await redis.get(heldKeys[0])).toBe('0');

    // The tenant spends what is left, and the usage keeps both calls.
    const next = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: `${prefix} after the crash` });
    expect(next.status).toBe(200);
    const after = await usage(api);
    expect(after.totals).toMatchObject({ calls: 2, unsettledCalls: 1 });
    expect(after.totals.costUsd).toBeCloseTo(row.costUsd + costOf(next.body.usage.inputTokens, next.body.usage.outputTokens), 6);
    expect(after.totals.costUsd).toBeLessThanOrEqual(0.1);
  }, 60_000);
});
