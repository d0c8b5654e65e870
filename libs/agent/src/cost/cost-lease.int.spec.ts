import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { anthropic, type LLMProvider, type StreamEvent } from '@agentnest/providers';
import { AnthropicFake } from '@agentnest/providers/testing';
import { Agent } from '../agent.js';
import type { HoldRequest } from './cost-ledger.js';
import { InMemoryCostLedger } from './in-memory-cost-ledger.js';
import { RedisCostLedger } from './redis-cost-ledger.js';
import { describeCostLedgerLeases } from './testing/describe-cost-ledger-leases.js';
import { keepLease, MAX_HOLD_MS, type Held } from '../run/tenant-hold.js';

const LEASE_MS = 1000;
const call: HoldRequest = { fixedUsd: 0.001, perOutputTokenUsd: 2e-6, wantOutputTokens: 1000 };
const today = () => new Date().toISOString().slice(0, 10);

/** An in-memory ledger on a clock the test moves: no waiting, no services. */
function onClock(budgets = {}) {
  let now = Date.now();
  const ledger = new InMemoryCostLedger(budgets, { leaseMs: LEASE_MS, now: () => now });
  return { ledger, advance: (ms: number) => (now += ms) };
}

describeCostLedgerLeases('InMemoryCostLedger', (budgets) => {
  const { ledger, advance } = onClock(budgets);
  return { ledger, other: ledger, expire: async () => void advance(LEASE_MS) };
});

describe('InMemoryCostLedger lease timing', () => {
  it('keeps a renewed lease past its first expiry, and charges it a lease after the last renewal', async () => {
    const { ledger, advance } = onClock({ default: { dailyUsd: 0.01 } });
    const r = await ledger.reserve('acme', call);
    advance(LEASE_MS - 1);
    expect(await ledger.renew(r)).toBe(true);
    advance(LEASE_MS - 1);
    expect(await ledger.usage('acme', { from: today(), to: today() })).toEqual([]);
    advance(1);
    expect(await ledger.renew(r)).toBe(false);
    expect(await ledger.usage('acme', { from: today(), to: today() })).toEqual([expect.objectContaining({ agent: '(unknown)', model: '(unknown)', calls: 1, unsettledCalls: 1, costUsd: 0.003 })]);
  });
});

describe('a call in flight', () => {
  it('renews its lease every third of it, and stops after MAX_HOLD_MS so a hung call lets the hold lapse', () => {
    let now = 0;
    jest.useFakeTimers();
    try {
      const renew = jest.fn(async () => true);
      const stop = keepLease({ ledger: { renew, leaseMs: 60_000 }, held: {} } as unknown as Held, () => now);
      // The clock and the timers move together, a renewal period at a time.
      const tick = (ms: number) => {
        for (let left = ms; left > 0; left -= 20_000) {
          now += Math.min(20_000, left);
          jest.advanceTimersByTime(Math.min(20_000, left));
        }
      };
      tick(60_000);
      expect(renew).toHaveBeenCalledTimes(3);
      tick(MAX_HOLD_MS);
      const renewals = renew.mock.calls.length;
      expect(renewals).toBeGreaterThanOrEqual(MAX_HOLD_MS / 20_000);
      tick(10 * 60_000);
      expect(renew).toHaveBeenCalledTimes(renewals);
      stop();
    } finally {
      jest.useRealTimers();
    }
  });
});

// The Redis ledgers expire by the server's clock: waiting past the lease is the only way to move it, and a wait never ends early.
const SHORT_LEASE_MS = 150;
const redis = new Redis(process.env.REDIS_URL!);
const other = new Redis(process.env.REDIS_URL!);
const cluster = new Cluster(process.env.REDIS_CLUSTER_NODES!.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })));
afterAll(async () => {
  await Promise.all([redis.quit(), other.quit(), cluster.quit()]);
});
const pastLease = () => new Promise<void>((r) => setTimeout(r, SHORT_LEASE_MS + 20));

describeCostLedgerLeases('RedisCostLedger', (budgets) => {
  const prefix = `lease-spec-${randomUUID()}:`;
  return { ledger: new RedisCostLedger({ redis, budgets, prefix, leaseMs: SHORT_LEASE_MS }), other: new RedisCostLedger({ redis: other, budgets, prefix, leaseMs: SHORT_LEASE_MS }), expire: pastLease };
});

describeCostLedgerLeases('RedisCostLedger on a Redis Cluster', (budgets) => {
  const prefix = `lease-spec-${randomUUID()}:`;
  return { ledger: new RedisCostLedger({ redis: cluster, budgets, prefix, leaseMs: SHORT_LEASE_MS }), other: new RedisCostLedger({ redis: cluster, budgets, prefix, leaseMs: SHORT_LEASE_MS }), expire: pastLease };
});

describe('a model call that fails after the vendor started billing', () => {
  const pricingTable = { m: { input: 1, output: 2 } };
  const identity = { tenant: 'acme', principal: 'alice', conversationId: 'c' };

  it('is charged its input estimate and the text it streamed, marked estimated, never more than its hold', async () => {
    const ledger = new InMemoryCostLedger({ default: { dailyUsd: 1 } });
    const broken: LLMProvider = {
      name: 'broken',
      complete: () => Promise.reject(new Error('unused')),
      async *stream(): AsyncIterable<StreamEvent> {
        yield { type: 'text', delta: 'x'.repeat(400) };
        throw new Error('connection reset mid-stream');
      },
    };
    const agent = Agent.create({ name: 'writer', provider: broken, model: 'm', pricingTable, ledger });
    await expect(agent.run({ message: 'hello', identity, stream: true })).rejects.toThrow();
    const [row] = await ledger.usage('acme', { from: today(), to: today() });
    expect(row).toMatchObject({ agent: 'writer', model: 'm', calls: 1, estimatedCalls: 1, outputTokens: 100 });
    expect(row.costUsd).toBeGreaterThan(100 * 2e-6);
  });

  it('over a real SDK: a stream aborted after some text is charged as estimated, within its hold', async () => {
    const fake = await new AnthropicFake('sk-ant-lease').start();
    try {
      // The vendor sends some text, then stalls mid-answer until the caller gives up.
      fake.respond = () => ({ text: 'twenty characters!! and a lot more that never arrives', holdAfterEvents: 6, release: new Promise(() => undefined) });
      const ledger = new InMemoryCostLedger({ default: { dailyUsd: 1 } });
      const agent = Agent.create({ name: 'writer', provider: anthropic({ apiKey: 'sk-ant-lease', baseURL: fake.origin }), model: 'm', pricingTable, ledger });
      const ac = new AbortController();
      let seen = '';
      const onEvent = (e: { type: string; delta?: string }) => {
        if (e.type !== 'llm.delta') return;
        seen += e.delta;
        if (seen.length >= 20) setTimeout(() => ac.abort(new Error('client went away')), 0);
      };
      await expect(agent.run({ message: 'hello', identity, stream: true, signal: ac.signal, recorders: [{ onEvent }] })).rejects.toThrow();
      const [row] = await ledger.usage('acme', { from: today(), to: today() });
      expect(row).toMatchObject({ calls: 1, estimatedCalls: 1, outputTokens: Math.ceil(seen.length / 4) });
      expect(row.costUsd).toBeGreaterThan(0);
    } finally {
      await fake.close();
    }
  });

  it('releases the hold of a call that failed before its first token', async () => {
    const ledger = new InMemoryCostLedger({ default: { dailyUsd: 1 } });
    const refused: LLMProvider = { name: 'refused', complete: () => Promise.reject(new Error('503 overloaded')) };
    const agent = Agent.create({ name: 'writer', provider: refused, model: 'm', pricingTable, ledger });
    await expect(agent.run({ message: 'hello', identity })).rejects.toThrow();
    expect(await ledger.usage('acme', { from: today(), to: today() })).toEqual([]);
  });
});
