import { describe, expect, it } from '@jest/globals';
import type { RateLimitStore, RateLimitTurn } from './rate-limit-store.js';

const limits = { requestsPerMinute: 60 }; // one slot a second
const SLOT = 1000;
const one = { requests: 1, tokens: 0 };
// Long leases but in the lease test: a waiter the test leaves unpolled for a while stays queued.
const waiter = (tenant: string, id: string, leaseMs = 60_000): RateLimitTurn => ({ tenant, waiter: `${tenant}-${id}`, leaseMs });

/** Fair turns at a shared bucket (part of describeRateLimitStore): a clock the test moves, no sleeping. */
export function describeFairTurns(name: string, create: (now: () => number) => RateLimitStore, uniqueKey: () => string): void {
  describe(`RateLimitStore fair turns: ${name}`, () => {
    // A store on a fresh key, its bucket spent, and a clock at 1,000,000 ms the test advances.
    async function spent() {
      const clock = { t: 1_000_000 };
      const store = create(() => clock.t);
      const key = uniqueKey();
      for (let i = 0; i < 60; i++) expect((await store.take(key, one, limits)).allowed).toBe(true);
      return { clock, store, key, take: (turn: RateLimitTurn) => store.take(key, one, limits, turn) };
    }

    it("serves a newly waiting tenant at the next slot, ahead of another tenant's queue", async () => {
      const { clock, take } = await spent();
      const a = Array.from({ length: 5 }, (_, i) => waiter('a', String(i)));
      for (const w of a) expect(await take(w)).toEqual({ allowed: false, retryAfterMs: SLOT });
      clock.t += SLOT;
      expect((await take(a[0])).allowed).toBe(true);
      const b = waiter('b', '0');
      expect(await take(b)).toEqual({ allowed: false, retryAfterMs: SLOT }); // a was served last: the next slot is b's
      clock.t += SLOT;
      // The slot is b's turn: a's waiters, polling first, are told to come back for the one after.
      for (const w of a.slice(1)) expect(await take(w)).toEqual({ allowed: false, retryAfterMs: SLOT });
      expect(await take(b)).toEqual({ allowed: true, retryAfterMs: 0 });
      clock.t += SLOT;
      expect((await take(a[4])).allowed).toBe(true);
    });

    it('rotates the slots between waiting tenants, one each, whoever polls first', async () => {
      const { clock, take } = await spent();
      const waiting = ['a', 'b', 'c'].flatMap((t) => [0, 1, 2].map((i) => waiter(t, String(i))));
      for (const w of waiting) expect((await take(w)).allowed).toBe(false);
      const served: string[] = [];
      for (let slot = 0; slot < 9; slot++) {
        clock.t += SLOT;
        // Tenant a's waiters poll first every time, as the busiest tenant's would.
        for (const w of [...waiting]) {
          if (!(await take(w)).allowed) continue;
          served.push(w.tenant);
          waiting.splice(waiting.indexOf(w), 1);
        }
      }
      expect(served.join('')).toBe('abcabcabc');
    });

    it('gives the slot on when the waiter first in line leaves (aborted, past maxWaitMs)', async () => {
      const { clock, store, key, take } = await spent();
      const a = waiter('a', '0');
      const b = waiter('b', '0');
      expect((await take(a)).allowed).toBe(false);
      expect((await take(b)).allowed).toBe(false);
      clock.t += SLOT;
      expect((await take(b)).allowed).toBe(false); // a's turn
      await store.leave(key, a);
      expect((await take(b)).allowed).toBe(true);
    });

    it("drops a waiter that stops coming back once its lease runs out (its instance died)", async () => {
      const { clock, take } = await spent();
      expect(await take(waiter('a', '0', 500))).toEqual({ allowed: false, retryAfterMs: SLOT }); // kept until +1000 + 500
      const b = waiter('b', '0');
      expect((await take(b)).allowed).toBe(false);
      clock.t += SLOT + 500;
      expect((await take(b)).allowed).toBe(false); // a's turn still, its lease not yet over
      clock.t += 1;
      expect((await take(b)).allowed).toBe(true);
    });

    it('lets a caller that only asks (reject mode) take its turn, and never registers it', async () => {
      const { clock, take } = await spent();
      const a = [waiter('a', '0'), waiter('a', '1'), waiter('a', '2')];
      for (const w of a) expect((await take(w)).allowed).toBe(false);
      const asking: RateLimitTurn = { tenant: 'b', leaseMs: 500 };
      clock.t += SLOT;
      expect((await take(asking)).allowed).toBe(false); // a waited first
      expect((await take(a[0])).allowed).toBe(true);
      clock.t += SLOT;
      expect((await take(asking)).allowed).toBe(true); // a was served last: b's turn
      clock.t += SLOT;
      // b left no place behind: a is served at every slot.
      expect((await take(asking)).allowed).toBe(false);
      expect((await take(a[1])).allowed).toBe(true);
    });

    it("lets anyone use room beyond the first in line's share, and grants exactly the budget", async () => {
      const { clock, take } = await spent();
      expect((await take(waiter('a', '0'))).allowed).toBe(false);
      clock.t += 2 * SLOT;
      expect((await take(waiter('b', '0'))).allowed).toBe(true); // two slots' room: one is enough for a
      expect((await take(waiter('b', '1'))).allowed).toBe(false);
      clock.t += 10 * SLOT - 1;
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => take(waiter(i % 2 ? 'a' : 'b', `x${i}`))));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
    });

    it("keeps the first tenant's share back from others: small calls cannot starve its large one", async () => {
      const clock = { t: 1_000_000 };
      const store = create(() => clock.t);
      const key = uniqueKey();
      const tokens = { tokensPerMinute: 60_000 }; // a token a millisecond
      const ask = (turn: RateLimitTurn, n: number) => store.take(key, { requests: 1, tokens: n }, tokens, turn);
      expect((await store.take(key, { requests: 1, tokens: 60_000 }, tokens)).allowed).toBe(true);
      const large = waiter('b', 'large');
      expect(await ask(large, 5000)).toEqual({ allowed: false, retryAfterMs: 5000 });
      // Room for a small call of a's comes and goes, but never out of b's 5,000.
      for (let i = 0; i < 24; i++) {
        clock.t += 200;
        expect(await ask(waiter('a', String(i)), 100)).toEqual({ allowed: false, retryAfterMs: 5000 + 100 - 200 * (i + 1) });
      }
      clock.t += 200;
      expect((await ask(large, 5000)).allowed).toBe(true);
    });
  });
}
