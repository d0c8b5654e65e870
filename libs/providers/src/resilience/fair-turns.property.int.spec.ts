import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { InMemoryRateLimitStore, type RateLimitStore, type RateLimitTurn } from './rate-limit-store.js';
import { RedisRateLimitStore } from './redis-rate-limit-store.js';

const limits = { requestsPerMinute: 60 }; // one slot a second
const one = { requests: 1, tokens: 0 };
const redis = new Redis(process.env.REDIS_URL!);
afterAll(() => redis.quit());

// Calls of up to five tenants arrive at random slots; every slot each waiting call polls once, in
// a random order. Whatever the arrivals and order: while a tenant waits, no other tenant is served
// twice, and it is served within as many slots as there are tenants.
const arrivals = fc.array(fc.record({ tenant: fc.constantFrom('a', 'b', 'c', 'd', 'e'), slot: fc.nat(15) }), { minLength: 2, maxLength: 40, size: 'max' });

async function check(create: (now: () => number) => RateLimitStore, calls: { tenant: string; slot: number }[], order: number[]) {
  const clock = { t: 1_000_000 };
  const store = create(() => clock.t);
  const key = randomUUID();
  await store.take(key, { requests: 60, tokens: 0 }, limits); // spent: every slot has room for one call
  const pending: { turn: RateLimitTurn; waitingSince?: number }[] = [];
  const grants: string[] = [];
  // When each tenant started waiting (grant count and slot), while it has no grant since.
  const waiting = new Map<string, { grant: number; slot: number }>();
  const last = Math.max(...calls.map((c) => c.slot)) + calls.length + 2;
  let shuffle = 0;
  for (let slot = 0; slot <= last; slot++) {
    clock.t += 1000;
    calls.forEach((c, i) => c.slot === slot && pending.push({ turn: { tenant: c.tenant, waiter: `w${i}`, leaseMs: 60_000 } }));
    const polls = pending.map((p) => ({ p, k: order[shuffle++ % order.length] })).sort((x, y) => x.k - y.k);
    for (const { p } of polls) {
      const { allowed } = await store.take(key, one, limits, p.turn);
      const tenant = p.turn.tenant;
      if (!allowed) {
        if (!waiting.has(tenant)) waiting.set(tenant, { grant: grants.length, slot });
        continue;
      }
      grants.push(tenant);
      pending.splice(pending.indexOf(p), 1);
      const since = waiting.get(tenant);
      if (since) {
        const others = grants.slice(since.grant, -1);
        for (const t of new Set(others)) expect([tenant, t, others.filter((o) => o === t).length]).toEqual([tenant, t, 1]);
        expect(slot - since.slot).toBeLessThanOrEqual(5);
        waiting.delete(tenant);
      }
    }
  }
  expect(pending).toEqual([]);
}

describe('fair turns, property', () => {
  it('in memory', async () => {
    await fc.assert(fc.asyncProperty(arrivals, fc.array(fc.nat(), { minLength: 50, maxLength: 50 }), (calls, order) => check((now) => new InMemoryRateLimitStore(now), calls, order)), { numRuns: 200 });
  });

  it('on Redis', async () => {
    await fc.assert(fc.asyncProperty(arrivals, fc.array(fc.nat(), { minLength: 50, maxLength: 50 }), (calls, order) => check((now) => new RedisRateLimitStore({ redis, prefix: 'test:fairprop:', now }), calls, order)), { numRuns: 25 });
  }, 60_000);
});
