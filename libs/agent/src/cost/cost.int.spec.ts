import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { mock, toUsage } from '@agentnest/providers';
import { Agent } from '../agent.js';
import { AgentConfigError } from '../errors/agent.errors.js';
import type { AgentEvent } from '../events/agent-event.js';
import { defineTool } from '../tools/tool.js';
import { BudgetExhaustedError, period, type CostLedger } from './cost-ledger.js';
import { estimateCostUsd, holdFor } from './estimate.js';
import { addUsage, costOf, noUsage, usageSince } from './pricing.js';
import { InMemoryCostLedger } from './in-memory-cost-ledger.js';
import { RedisCostLedger } from './redis-cost-ledger.js';

// $1 per million input tokens, $2 per million output: a 1,000-in / 500-out call costs $0.002.
const pricingTable = { m: { input: 1, output: 2, cacheRead: 0.1, cacheWrite: 1.25 } };
const usage = { inputTokens: 1000, outputTokens: 500, totalTokens: 1500 };
const step = defineTool({ name: 'step', description: 'one more step', inputSchema: { type: 'object' }, execute: () => 'done' });
const alwaysTools = () => mock({ respond: () => ({ toolCalls: [{ name: 'step', args: {} }] }), usage });
const acme = { tenant: 'acme', principal: 'alice', conversationId: 'c' };
/** A hold of a fixed cost only (no output priced): the plain "does $x fit" question. */
const fixed = (usd: number) => ({ fixedUsd: usd, perOutputTokenUsd: 0, wantOutputTokens: 1 });

describe('run costBudget', () => {
  it('halts at the next step boundary once spent, with status budget_exceeded and the events to show it', async () => {
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider: alwaysTools(), model: 'm', tools: [step], pricingTable, costBudget: { usd: 0.005 } });
    agent.attach({ onEvent: (e) => events.push(e) });
    const r = await agent.run({ message: 'go' });
    // 0.002, 0.004, 0.006: the third call passes the limit, so its tool request is not carried out.
    expect(r).toMatchObject({ status: 'budget_exceeded', iterations: 3, limitUsd: 0.005 });
    expect(r.costUsd).toBeCloseTo(0.006, 10);
    expect(events.filter((e) => e.type === 'tool.start')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'cost.tick').map((e) => e.type === 'cost.tick' && e.totalUsd)).toEqual([0.002, 0.004, 0.006].map((v) => expect.closeTo(v, 10)));
    expect(events.find((e) => e.type === 'budget.exceeded')).toMatchObject({ scope: 'run', action: 'halt', limitUsd: 0.005 });
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'budget_exceeded' });
  });

  it('only warns with onExceed warn, once', async () => {
    const events: AgentEvent[] = [];
    const provider = mock({ replies: [{ toolCalls: [{ name: 'step', args: {} }] }, { toolCalls: [{ name: 'step', args: {} }] }, { toolCalls: [{ name: 'step', args: {} }] }, 'finished'], usage });
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [step], pricingTable, costBudget: { usd: 0.003, onExceed: 'warn' } });
    agent.attach({ onEvent: (e) => events.push(e) });
    expect(await agent.run({ message: 'go' })).toMatchObject({ status: 'completed', text: 'finished' });
    expect(events.filter((e) => e.type === 'budget.exceeded')).toHaveLength(1);
  });

  it('is a configuration error without a price for the model, or with a bad limit', () => {
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', costBudget: { usd: 1 } })).toThrow(AgentConfigError);
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'other', pricingTable, costBudget: { usd: 1 } })).toThrow(/price for model "other"/);
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', pricingTable, costBudget: { usd: 0 } })).toThrow(AgentConfigError);
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', pricingTable, costBudget: { usd: 1, onExceed: 'stop' as 'halt' } })).toThrow(AgentConfigError);
  });
});

describe('usage arithmetic', () => {
  // 550 prompt tokens: 400 read from the cache, 50 written to it, 100 neither.
  const cached = toUsage({ inputTokens: 550, outputTokens: 10, cacheReadTokens: 400, cacheWriteTokens: 50 });

  it('keeps totalTokens the sum, and cache details only when there are cache tokens', () => {
    expect(toUsage({ inputTokens: 3, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: null })).toEqual({ inputTokens: 3, outputTokens: 2, totalTokens: 5 });
    expect(addUsage(noUsage(), toUsage({ inputTokens: 3, outputTokens: 2 }))).toEqual({ inputTokens: 3, outputTokens: 2, totalTokens: 5 });
    expect(cached.inputTokenDetails).toEqual({ noCacheTokens: 100, cacheReadTokens: 400, cacheWriteTokens: 50 });
    expect(addUsage(toUsage({ inputTokens: 3, outputTokens: 2 }), cached)).toEqual({ inputTokens: 553, outputTokens: 12, totalTokens: 565, inputTokenDetails: { noCacheTokens: 103, cacheReadTokens: 400, cacheWriteTokens: 50 } });
    expect(usageSince(addUsage(cached, toUsage({ inputTokens: 8, outputTokens: 1, cacheReadTokens: 7 })), cached)).toEqual({ inputTokens: 8, outputTokens: 1, totalTokens: 9, inputTokenDetails: { noCacheTokens: 1, cacheReadTokens: 7 } });
  });

  it('turns reported counts that are negative, fractional, non-numeric or absurd into sane ones: no cost below 0, NaN or Infinity', () => {
    const reported = [
      { inputTokens: 1000, outputTokens: -1e6 },
      { inputTokens: 0, outputTokens: 0, cacheWriteTokens: -1e6 },
      { inputTokens: Number.NaN, outputTokens: 5 },
      { inputTokens: 1e300, outputTokens: Number.POSITIVE_INFINITY },
      { inputTokens: 10.7, outputTokens: 2.2, cacheReadTokens: 1000 },
      { inputTokens: '5' as unknown as number, outputTokens: undefined as unknown as number },
    ];
    for (const counts of reported) {
      const u = toUsage(counts);
      for (const n of [u.inputTokens, u.outputTokens, u.totalTokens, ...Object.values(u.inputTokenDetails ?? {})]) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
      expect(u.totalTokens).toBe(u.inputTokens + u.outputTokens);
      // The split adds up to the whole: a ledger row and the run report the same inputTokens.
      if (u.inputTokenDetails) expect(u.inputTokenDetails.noCacheTokens + (u.inputTokenDetails.cacheReadTokens ?? 0) + (u.inputTokenDetails.cacheWriteTokens ?? 0)).toBe(u.inputTokens);
      const cost = costOf(u, pricingTable.m);
      expect(Number.isFinite(cost) && cost >= 0).toBe(true);
    }
    expect(toUsage({ inputTokens: 10, outputTokens: 1, cacheReadTokens: 1000 })).toMatchObject({ inputTokens: 1000, inputTokenDetails: { noCacheTokens: 0, cacheReadTokens: 1000 } });
  });

  it('prices cache reads and writes at their own rates', () => {
    expect(costOf(cached, pricingTable.m)).toBeCloseTo((100 * 1 + 10 * 2 + 400 * 0.1 + 50 * 1.25) / 1e6, 12);
  });
});

describe('estimateCostUsd', () => {
  it('prices the whole prompt at ~4 characters a token and the output at maxTokens', () => {
    const req = { model: 'm', system: 'x'.repeat(400), messages: [{ role: 'user' as const, content: 'y'.repeat(3600) }], maxTokens: 1000 };
    expect(estimateCostUsd(req, pricingTable.m)).toBeCloseTo((1000 * 1 + 1000 * 2) / 1e6, 12);
    expect(estimateCostUsd({ ...req, maxTokens: undefined }, pricingTable.m)).toBeCloseTo((1000 + 4096 * 2) / 1e6, 12);
    expect(estimateCostUsd(req, undefined)).toBe(0);
  });

  it('splits a hold into the fixed input and the output tokens wanted at their price', () => {
    const req = { model: 'm', system: 'x'.repeat(400), messages: [{ role: 'user' as const, content: 'y'.repeat(3600) }], maxTokens: 1000 };
    expect(holdFor(req, pricingTable.m)).toEqual({ fixedUsd: expect.closeTo(0.001, 12), perOutputTokenUsd: 2e-6, wantOutputTokens: 1000 });
    expect(holdFor({ ...req, maxTokens: undefined }, pricingTable.m).wantOutputTokens).toBe(4096);
    expect(holdFor(req, undefined)).toEqual({ fixedUsd: 0, perOutputTokenUsd: 0, wantOutputTokens: 1000 });
  });
});

const redis = new Redis(process.env.REDIS_URL!);
const other = new Redis(process.env.REDIS_URL!);
// The test run's real 6-node cluster (test/redis-cluster.js).
const cluster = new Cluster(process.env.REDIS_CLUSTER_NODES!.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })));
afterAll(async () => {
  await Promise.all([redis.quit(), other.quit(), cluster.quit()]);
});

const ledgers: Array<[string, (budgets?: ConstructorParameters<typeof InMemoryCostLedger>[0]) => CostLedger]> = [
  ['InMemoryCostLedger', (budgets) => new InMemoryCostLedger(budgets)],
  ['RedisCostLedger', (budgets) => new RedisCostLedger({ redis, budgets, prefix: `ledger-spec-${randomUUID()}:` })],
  ['RedisCostLedger on a Redis Cluster', (budgets) => new RedisCostLedger({ redis: cluster, budgets, prefix: `ledger-spec-${randomUUID()}:` })],
];

describe.each(ledgers)('%s', (_, make) => {
  it('refuses a run of an exhausted tenant before any model call, and only that tenant', async () => {
    const ledger = make({ default: { dailyUsd: 0.01 }, tenants: { globex: { dailyUsd: 100 } } });
    const provider = mock({ reply: 'ok', usage });
    const agent = () => Agent.create({ name: 'a', provider, model: 'm', pricingTable, ledger, maxTokens: 500 });
    // Each call holds ~$0.001 (4 input tokens + 500 output at $2/M) and settles at $0.002.
    let done = 0;
    await expect(
      (async () => {
        for (;;) {
          await agent().run({ message: 'hi', identity: acme });
          done++;
        }
      })(),
    ).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(done).toBe(5);
    const calls = provider.callCount;
    const events: AgentEvent[] = [];
    const refused = agent();
    refused.attach({ onEvent: (e) => events.push(e) });
    // Settled spend reached the limit: only now is the budget called spent.
    await expect(refused.run({ message: 'hi', identity: acme })).rejects.toMatchObject({ code: 'budget_exhausted', period: 'day', message: "the tenant's daily budget of $0.01 is spent" });
    expect(provider.callCount).toBe(calls);
    expect(events.find((e) => e.type === 'budget.exceeded')).toMatchObject({ scope: 'tenant', action: 'halt', period: 'day' });
    expect(await agent().run({ message: 'hi', identity: { ...acme, tenant: 'globex' } })).toMatchObject({ status: 'completed' });
  });

  it('enforces a monthly budget the same way, and a tenant override over the default', async () => {
    const ledger = make({ default: { monthlyUsd: 0.003 }, tenants: { globex: { dailyUsd: 1 } } });
    await ledger.settle(await ledger.reserve('acme', fixed(0.002)), { agent: 'a', model: 'm', usage, costUsd: 0.002 });
    const err = await ledger.reserve('acme', fixed(0.0015)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExhaustedError);
    expect((err as BudgetExhaustedError).period).toBe('month');
    expect((err as Error).message).toBe("this model call would exceed the tenant's monthly budget of $0.003: it needs at least $0.0015, and $0.002 of it is spent");
    // globex has its own (daily) budget instead of the default monthly one.
    await expect(ledger.reserve('globex', fixed(0.5))).resolves.toMatchObject({ tenant: 'globex', limit: 'day' });
  });

  it('releases the hold of a failed call and records usage by day, agent and model', async () => {
    const ledger = make({ default: { dailyUsd: 0.0025 } });
    const failing = { name: 'down', complete: () => Promise.reject(new Error('boom')) };
    for (let i = 0; i < 5; i++) await expect(Agent.create({ name: 'a', provider: failing, model: 'm', pricingTable, ledger, maxTokens: 500 }).run({ message: 'x', identity: acme })).rejects.toThrow('boom');
    await Agent.create({ name: 'writer', provider: mock({ reply: 'ok', usage: { ...usage, inputTokens: 1100, inputTokenDetails: { cacheReadTokens: 100 } } }), model: 'm', pricingTable, ledger, maxTokens: 500 }).run({ message: 'x', identity: acme });
    const { day } = period();
    expect(await ledger.usage('acme', { from: day, to: day })).toEqual([
      { day, agent: 'writer', model: 'm', calls: 1, inputTokens: 1100, outputTokens: 500, cacheReadTokens: 100, cacheWriteTokens: 0, costUsd: 0.00201, unsettledCalls: 0, estimatedCalls: 0 },
    ]);
    expect(await ledger.usage('globex', { from: day, to: day })).toEqual([]);
    // 0.00201 spent, the failed calls' holds all given back: 0.00049 is left.
    await expect(ledger.reserve('acme', fixed(0.0005))).rejects.toMatchObject({ standing: { spentUsd: 0.00201, heldUsd: 0 } });
    await expect(ledger.reserve('acme', fixed(0.00049))).resolves.toMatchObject({ tenant: 'acme' });
  });
});

describe('RedisCostLedger across instances', () => {
  it('200 parallel runs from two instances never overspend: each call is capped at the output its hold paid for', async () => {
    const prefix = `ledger-race-${randomUUID()}:`;
    const budgets = { default: { dailyUsd: 0.05 } };
    const instances = [new RedisCostLedger({ redis, budgets, prefix }), new RedisCostLedger({ redis: other, budgets, prefix })];
    // Actual usage varies per call like a real model's: the prompt as sent, and any output up to maxTokens (the mock cuts there).
    let n = 0;
    const provider = mock({ respond: (req) => ({ text: 'ok', usage: { inputTokens: Math.ceil(req.messages[0].content.length / 4), outputTokens: 100 + ((n++ * 37) % 500) } }), delayMs: 2 });
    const agentOn = (ledger: RedisCostLedger) => Agent.create({ name: 'a', provider, model: 'm', pricingTable, ledger, maxTokens: 600 });
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => agentOn(instances[i % 2]).run({ message: 'spend', identity: acme })));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected' && (r.reason as Error) instanceof BudgetExhaustedError).length;
    expect(ok + refused).toBe(200);
    expect(refused).toBeGreaterThan(0);
    const { day } = period();
    const [row] = await instances[0].usage('acme', { from: day, to: day });
    expect(row.calls).toBe(ok);
    expect(row.costUsd).toBeLessThanOrEqual(0.05);
    // Late calls got less than the 600 tokens they wanted instead of a refusal.
    expect(provider.calls.some((c) => c.maxTokens! < 600)).toBe(true);
    // Every hold was settled: what is left is exactly the limit minus what was charged.
    const left = 0.05 - row.costUsd;
    if (left > 0.00001) await expect(instances[1].reserve('acme', fixed(left - 0.00001))).resolves.toMatchObject({ tenant: 'acme' });
    await expect(instances[1].reserve('acme', fixed(Math.max(left, 0) + 0.00001))).rejects.toBeInstanceOf(BudgetExhaustedError);
  });
});
