import { describe, expect, it } from '@jest/globals';
import type { RateLimitStore } from './rate-limit-store.js';
import { describeFairTurns } from './fair-turns.contract.js';

/**
 * Token-bucket behaviour every RateLimitStore must show (real time where nothing waits, an injected
 * clock (`create(now)`) where time must pass), then its fair turns across tenants on an injected clock.
 */
export function describeRateLimitStore(name: string, create: (now?: () => number) => RateLimitStore, uniqueKey: () => string): void {
  describeFairTurns(name, create, uniqueKey);
  describe(`RateLimitStore: ${name}`, () => {
    it('allows a full bucket of requests, then says how long until the next', async () => {
      const s = create();
      const k = uniqueKey();
      const limits = { requestsPerMinute: 5 };
      for (let i = 0; i < 5; i++) expect((await s.take(k, { requests: 1, tokens: 0 }, limits)).allowed).toBe(true);
      const refused = await s.take(k, { requests: 1, tokens: 0 }, limits);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(10_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(12_000);
    });

    it('counts tokens, all-or-nothing with requests, and refills over time (on an injected clock)', async () => {
      let now = Date.now();
      const s = create(() => now);
      const k = uniqueKey();
      const limits = { requestsPerMinute: 1000, tokensPerMinute: 60_000 }; // 1 token per ms
      expect((await s.take(k, { requests: 1, tokens: 59_950 }, limits)).allowed).toBe(true);
      const refused = await s.take(k, { requests: 1, tokens: 200 }, limits);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(150);
      now += refused.retryAfterMs - 10;
      expect((await s.take(k, { requests: 1, tokens: 200 }, limits)).allowed).toBe(false);
      now += 10;
      expect((await s.take(k, { requests: 1, tokens: 200 }, limits)).allowed).toBe(true);
    });

    it('settles real usage: overspend is owed, an overestimate is given back', async () => {
      const s = create();
      const limits = { tokensPerMinute: 1000 };
      const owe = uniqueKey();
      expect((await s.take(owe, { requests: 1, tokens: 100 }, limits)).allowed).toBe(true);
      await s.settle(owe, 900, limits);
      expect((await s.take(owe, { requests: 1, tokens: 100 }, limits)).allowed).toBe(false);
      const back = uniqueKey();
      expect((await s.take(back, { requests: 1, tokens: 1000 }, limits)).allowed).toBe(true);
      await s.settle(back, -500, limits);
      expect((await s.take(back, { requests: 1, tokens: 400 }, limits)).allowed).toBe(true);
    });

    it('grants exactly the budget to concurrent callers', async () => {
      const s = create();
      const k = uniqueKey();
      const results = await Promise.all(Array.from({ length: 40 }, () => s.take(k, { requests: 1, tokens: 0 }, { requestsPerMinute: 10 })));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
    });
  });
}
