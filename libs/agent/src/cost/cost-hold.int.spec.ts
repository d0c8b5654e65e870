import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { mock, ProviderError, withFallback, withModel, type LLMProvider } from '@agentnest/providers';
import { Agent } from '../agent.js';
import type { AgentEvent } from '../events/agent-event.js';
import { NarrativeRecorder } from '../events/narrative.recorder.js';
import { BudgetExhaustedError, formatUsd, MIN_OUTPUT_TOKENS, type CostLedger, type HoldRequest, type Reservation, type TenantBudgets } from './cost-ledger.js';
import { DEFAULT_OUTPUT_ESTIMATE, holdFor } from './estimate.js';
import { holdPrice } from './pricing.js';
import { InMemoryCostLedger } from './in-memory-cost-ledger.js';
import { RedisCostLedger } from './redis-cost-ledger.js';

// $1 per million input tokens, $2 per million output: one output token is 2 micro-dollars.
const pricingTable = { m: { input: 1, output: 2 } };
const acme = { tenant: 'acme', principal: 'alice', conversationId: 'c' };
/** $0.001 of input and up to 1,000 output tokens: $0.003 when all of them are granted. */
const call: HoldRequest = { fixedUsd: 0.001, perOutputTokenUsd: 2e-6, wantOutputTokens: 1000 };

const redis = new Redis(process.env.REDIS_URL!);
const other = new Redis(process.env.REDIS_URL!);
const cluster = new Cluster(process.env.REDIS_CLUSTER_NODES!.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })));
afterAll(async () => {
  await Promise.all([redis.quit(), other.quit(), cluster.quit()]);
});

/** A ledger, and the ledger of another instance sharing its state (the same object in memory). */
type Make = (budgets?: TenantBudgets) => [CostLedger, CostLedger];
const ledgers: Array<[string, Make]> = [
  [
    'InMemoryCostLedger',
    (budgets) => {
      const ledger = new InMemoryCostLedger(budgets);
      return [ledger, ledger];
    },
  ],
  [
    'RedisCostLedger',
    (budgets) => {
      const prefix = `hold-spec-${randomUUID()}:`;
      return [new RedisCostLedger({ redis, budgets, prefix }), new RedisCostLedger({ redis: other, budgets, prefix })];
    },
  ],
  [
    'RedisCostLedger on a Redis Cluster',
    (budgets) => {
      const prefix = `hold-spec-${randomUUID()}:`;
      return [new RedisCostLedger({ redis: cluster, budgets, prefix }), new RedisCostLedger({ redis: cluster, budgets, prefix })];
    },
  ],
];

const refusalOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as BudgetExhaustedError);

describe.each(ledgers)('%s holds', (_, make) => {
  it('grants every wanted output token when the budget is ample, and sizes nothing for a tenant without limits', async () => {
    const [ledger] = make({ tenants: { acme: { dailyUsd: 1, monthlyUsd: 10 } } });
    expect(await ledger.reserve('acme', call)).toMatchObject({ grantedOutputTokens: 1000, estimateMicros: 3000, limit: 'day' });
    const free = await ledger.reserve('globex', call);
    expect(free).toMatchObject({ grantedOutputTokens: 1000, estimateMicros: 3000 });
    expect(free.limit).toBeUndefined();
  });

  it('grants fewer output tokens when the budget is tight, under the tighter of the two limits', async () => {
    const [ledger] = make({ tenants: { acme: { dailyUsd: 0.002 }, globex: { dailyUsd: 1, monthlyUsd: 0.0015 } } });
    // $0.002 - $0.001 of input leaves $0.001: 500 tokens at 2 micro-dollars.
    expect(await ledger.reserve('acme', call)).toMatchObject({ grantedOutputTokens: 500, estimateMicros: 2000, limit: 'day' });
    expect(await ledger.reserve('globex', call)).toMatchObject({ grantedOutputTokens: 250, estimateMicros: 1500, limit: 'month' });
    // A fractional price per token: $0.6 per million is 0.6 micro-dollars, so $0.0001 buys 166 tokens (99.6, held as 100).
    const [cheap] = make({ default: { dailyUsd: 0.0001 } });
    expect(await cheap.reserve('acme', { fixedUsd: 0, perOutputTokenUsd: 0.6e-6, wantOutputTokens: 1000 })).toMatchObject({ grantedOutputTokens: 166, estimateMicros: 100 });
  });

  it('refuses only when not even the input and MIN_OUTPUT_TOKENS fit; a call wanting fewer needs only those', async () => {
    const least = 0.001 + MIN_OUTPUT_TOKENS * 2e-6;
    expect(await make({ default: { dailyUsd: least } })[0].reserve('acme', call)).toMatchObject({ grantedOutputTokens: MIN_OUTPUT_TOKENS });
    const err = await refusalOf(make({ default: { dailyUsd: least - 0.000001 } })[0].reserve('acme', call));
    expect(err).toBeInstanceOf(BudgetExhaustedError);
    expect(err).toMatchObject({ code: 'budget_exhausted', period: 'day', standing: { spentUsd: 0, heldUsd: 0, neededUsd: least } });
    expect(await make({ default: { dailyUsd: 0.00102 } })[0].reserve('acme', { ...call, wantOutputTokens: 10 })).toMatchObject({ grantedOutputTokens: 10, estimateMicros: 1020 });
  });

  it('says "would exceed" for a call bigger than what is left, and "spent" only once settled spend reached the limit', async () => {
    const [ledger] = make({ default: { dailyUsd: 0.0005 } });
    const tooBig = await refusalOf(ledger.reserve('acme', call));
    expect(tooBig?.message).toBe("this model call would exceed the tenant's daily budget of $0.0005: it needs at least $0.001128, and none of it is used yet");

    const [tight] = make({ default: { dailyUsd: 0.003 } });
    const first = await tight.reserve('acme', call);
    // The first call holds the whole budget; while it is in flight the second is refused, and told why.
    expect((await refusalOf(tight.reserve('acme', call)))?.message).toBe("this model call would exceed the tenant's daily budget of $0.003: it needs at least $0.001128, and $0.003 is held for calls in progress");
    await tight.settle(first, { agent: 'a', model: 'm', usage: { inputTokens: 1000, outputTokens: 400, totalTokens: 1400 }, costUsd: 0.0018 });
    expect((await tight.reserve('acme', call)).grantedOutputTokens).toBe(100);
    const spent = await tight.reserve('globex', call);
    await tight.settle(spent, { agent: 'a', model: 'm', usage: { inputTokens: 1000, outputTokens: 1000, totalTokens: 2000 }, costUsd: 0.003 });
    const err = await refusalOf(tight.reserve('globex', call));
    expect(err?.message).toBe("the tenant's daily budget of $0.003 is spent");
    expect(err?.message).not.toMatch(/would exceed/);
  });

  it('gives the whole hold back when a call fails', async () => {
    const [ledger] = make({ default: { dailyUsd: 0.003 } });
    await ledger.settle(await ledger.reserve('acme', call));
    expect(await ledger.reserve('acme', call)).toMatchObject({ grantedOutputTokens: 1000, estimateMicros: 3000 });
  });

  it('never holds more than the budget across many concurrent reservations from two instances', async () => {
    const [one, two] = make({ default: { dailyUsd: 0.05 } });
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => (i % 2 ? two : one).reserve('acme', call)));
    const held = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.filter((r) => r.status === 'rejected' && r.reason instanceof BudgetExhaustedError);
    // 16 full holds of 3,000 micro-dollars leave 2,000: one more call gets 500 tokens, then nothing fits.
    expect(held.reduce((n, r: Reservation) => n + r.estimateMicros, 0)).toBe(50_000);
    expect(held.map((r) => r.grantedOutputTokens).sort((a, b) => a - b)).toEqual([500, ...Array<number>(16).fill(1000)]);
    expect(refused).toHaveLength(100 - 17);
  });
});

describe('a model call under a tenant budget', () => {
  // The echo of "hello there" is 1,700 tokens long: more than any grant here.
  const echo = () => mock({ respond: (req) => `echo ${req.messages.at(-1)!.content} `.repeat(400) });

  it('is sent with maxTokens cut to what the budget left, and the reply is cut there (finish reason length)', async () => {
    const limitUsd = 0.0012;
    const ledger = new InMemoryCostLedger({ default: { dailyUsd: limitUsd } });
    const provider = echo();
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider, model: 'm', pricingTable, ledger });
    const r = await agent.run({ message: 'hello there', identity: acme, recorders: [new NarrativeRecorder(), { onEvent: (e) => events.push(e) }] });
    const sent = provider.calls[0];
    // What the ledger could grant: the budget less the input, at 2 micro-dollars a token.
    const granted = Math.floor((limitUsd * 1e6 - Math.ceil(holdFor({ ...sent, maxTokens: undefined }, pricingTable.m).fixedUsd * 1e6)) / 2);
    expect(granted).toBeLessThan(DEFAULT_OUTPUT_ESTIMATE);
    expect(sent.maxTokens).toBe(granted);
    expect(r).toMatchObject({ status: 'completed', finishReason: 'length', usage: { outputTokens: granted } });
    expect(r.costUsd).toBeLessThanOrEqual(limitUsd);
    expect(events.find((e) => e.type === 'llm.request')).toMatchObject({ maxTokens: granted, capped: { wanted: DEFAULT_OUTPUT_ESTIMATE, period: 'day' } });
    expect(r.narrative).toContain(`Reply limited to ${granted} tokens (of ${DEFAULT_OUTPUT_ESTIMATE}): that is what the tenant's daily budget has left`);

    // The next call cannot fit: refused before the provider, with the amounts in the event and the narrative.
    const refused: AgentEvent[] = [];
    const narrative = new NarrativeRecorder();
    const err = await refusalOf(agent.run({ message: 'again', identity: acme, recorders: [narrative, { onEvent: (e) => refused.push(e) }] }));
    expect(err).toMatchObject({ code: 'budget_exhausted', period: 'day' });
    expect(provider.callCount).toBe(1);
    expect(refused.some((e) => e.type === 'llm.request')).toBe(false);
    expect(refused.find((e) => e.type === 'budget.exceeded')).toMatchObject({ scope: 'tenant', limitUsd, spentUsd: r.costUsd, heldUsd: 0 });
    expect(narrative.lines.join('\n')).toMatch(new RegExp(`Tenant daily budget of \\${formatUsd(limitUsd)} would be exceeded by the next model call`));
  });

  it('holds at the dearest model the provider may answer with, so a dearer fallback\'s reply still fits its hold', async () => {
    // The fallback's output costs four times the primary's: held at the primary's price, its reply would spend 4x the hold.
    const table = { ...pricingTable, dear: { input: 1, output: 8 } };
    expect(holdPrice(table.m, ['dear'], table)).toEqual({ input: 1, output: 8 });
    expect(holdPrice(table.m, undefined, table)).toBe(table.m);
    const limitUsd = 0.0012;
    const down: LLMProvider = { name: 'down', complete: () => Promise.reject(new ProviderError('overloaded', 'down', 'overloaded')) };
    const dear = echo();
    const provider = withFallback(down, withModel(dear, 'dear'));
    expect(provider.models).toEqual(['dear']);
    const ledger = new InMemoryCostLedger({ default: { dailyUsd: limitUsd } });
    const from = new Date().toISOString().slice(0, 10);
    const r = await Agent.create({ name: 'a', provider, model: 'm', pricingTable: table, ledger }).run({ message: 'hello there', identity: acme });
    const sent = dear.calls[0];
    expect(sent.model).toBe('dear');
    const granted = Math.floor((limitUsd * 1e6 - Math.ceil(holdFor({ ...sent, maxTokens: undefined }, table.dear).fixedUsd * 1e6)) / 8);
    expect(sent.maxTokens).toBe(granted);
    expect(r).toMatchObject({ status: 'completed', finishReason: 'length', usage: { outputTokens: granted } });
    expect(r.costUsd).toBeLessThanOrEqual(limitUsd);
    // From the day the run began (it may cross midnight UTC) to today.
    const charged = (await ledger.usage('acme', { from, to: new Date().toISOString().slice(0, 10) })).reduce((n, row) => n + row.costUsd, 0);
    expect(charged).toBeCloseTo(r.costUsd, 9);
    expect(charged).toBeLessThanOrEqual(limitUsd);
  });

  it('charges an estimate for a reply whose usage is missing, NaN or negative: a budget is never lifted by what a provider reports', async () => {
    const limitUsd = 0.05;
    for (const usage of [undefined, { inputTokens: NaN, outputTokens: NaN, totalTokens: NaN }, { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, { inputTokens: 10, outputTokens: -100_000, totalTokens: -99_990 }]) {
      const ledger = new InMemoryCostLedger({ default: { dailyUsd: limitUsd } });
      // A provider of one's own, answering 2,000 characters (about 500 tokens) with what it says it used.
      const custom: LLMProvider = { name: 'custom', complete: async (req) => ({ provider: 'custom', model: req.model, text: 'x'.repeat(2_000), toolCalls: [], finishReason: 'stop', usage: usage as never }) };
      const agent = Agent.create({ name: 'a', provider: custom, model: 'm', pricingTable: { m: { input: 10, output: 40 } }, ledger });
      let served = 0;
      for (let i = 0; i < 40; i++) {
        const r = await agent.run({ message: `hello ${i}`, identity: acme }).catch(() => undefined);
        if (!r) break;
        served++;
        expect(Number.isFinite(r.costUsd) && r.costUsd > 0).toBe(true);
      }
      // About $0.02 a call by the estimate: two or three calls, never 40.
      expect([JSON.stringify(usage), served]).toEqual([JSON.stringify(usage), expect.any(Number)]);
      expect(served).toBeLessThanOrEqual(3);
      const today = new Date().toISOString().slice(0, 10);
      const rows = await ledger.usage('acme', { from: today, to: today });
      const total = rows.reduce((n, row) => n + row.costUsd, 0);
      expect(total).toBeLessThanOrEqual(limitUsd);
      expect(rows.reduce((n, row) => n + row.estimatedCalls, 0)).toBe(served);
    }
  });

  it('never lets a ledger take a NaN or negative charge as spend', async () => {
    for (const [name, make] of ledgers) {
      const [ledger] = make({ default: { dailyUsd: 0.01 } });
      const held = await ledger.reserve('acme', call);
      await ledger.settle(held, { agent: 'a', model: 'm', usage: { inputTokens: NaN, outputTokens: NaN, totalTokens: NaN }, costUsd: NaN });
      const refund = await ledger.reserve('acme', call);
      await ledger.settle(refund, { agent: 'a', model: 'm', usage: { inputTokens: 0, outputTokens: -1e9, totalTokens: -1e9 }, costUsd: -1000 });
      // Neither is a cost: each is charged what it held ($0.003), $0.004 is left, one more hold, not a lifted budget.
      let granted = 0;
      while (granted < 10 && (await ledger.reserve('acme', call).then(() => true, () => false))) granted++;
      expect([name, granted]).toEqual([name, 1]);
    }
  });

  it('carries the hold as maxTokens even when the budget is ample, and leaves requests alone without a limit', async () => {
    const limited = echo();
    await Agent.create({ name: 'a', provider: limited, model: 'm', pricingTable, ledger: new InMemoryCostLedger({ default: { dailyUsd: 5 } }) }).run({ message: 'hi', identity: acme });
    expect(limited.calls[0].maxTokens).toBe(DEFAULT_OUTPUT_ESTIMATE);
    const unlimited = echo();
    const r = await Agent.create({ name: 'a', provider: unlimited, model: 'm', pricingTable, ledger: new InMemoryCostLedger() }).run({ message: 'hi', identity: acme });
    expect(unlimited.calls[0].maxTokens).toBeUndefined();
    expect(r).toMatchObject({ status: 'completed', finishReason: 'stop' });
  });
});

describe('formatUsd', () => {
  it('prints cents from a dollar up and 4 significant digits below, without float noise', () => {
    expect([0.1 + 0.2, 0.4, 0, 0.0499, 0.001128, 12.345678, 2].map(formatUsd)).toEqual(['$0.30', '$0.40', '$0.00', '$0.0499', '$0.001128', '$12.35', '$2.00']);
  });
});
