import { describe, expect, it } from '@jest/globals';
import type { CircuitConfig, CircuitStateStore } from './circuit-state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const COOLDOWN = 120;
const config = (over: Partial<CircuitConfig> = {}): CircuitConfig => ({ failureThreshold: 3, cooldownMs: COOLDOWN, halfOpenSuccesses: 1, ...over });

/** The circuit state machine every CircuitStateStore must run (real time: cooldowns are short). */
export function describeCircuitState(name: string, create: () => CircuitStateStore, uniqueKey: () => string): void {
  describe(`CircuitStateStore: ${name}`, () => {
    it('stays closed below the threshold, and a success resets the count', async () => {
      const s = create();
      const k = uniqueKey();
      await s.record(k, false, config());
      await s.record(k, false, config());
      await s.record(k, true, config());
      await s.record(k, false, config());
      await s.record(k, false, config());
      expect(await s.state(k)).toBe('closed');
      expect((await s.acquire(k, config())).allowed).toBe(true);
    });

    it('opens after threshold consecutive failures and refuses with the time left', async () => {
      const s = create();
      const k = uniqueKey();
      await s.record(k, false, config());
      await s.record(k, false, config());
      expect(await s.record(k, false, config())).toEqual({ state: 'open', transition: { from: 'closed', to: 'open' } });
      const d = await s.acquire(k, config());
      expect(d).toMatchObject({ allowed: false, state: 'open' });
      expect(d.retryAfterMs).toBeGreaterThan(0);
      expect(d.retryAfterMs).toBeLessThanOrEqual(COOLDOWN);
    });

    it('after the cooldown lets exactly one probe through, and closes when it succeeds', async () => {
      const s = create();
      const k = uniqueKey();
      for (let i = 0; i < 3; i++) await s.record(k, false, config());
      await sleep(COOLDOWN + 30);
      const decisions = await Promise.all(Array.from({ length: 5 }, () => s.acquire(k, config())));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(1);
      expect(decisions.find((d) => d.allowed)?.transition).toEqual({ from: 'open', to: 'half_open' });
      expect(await s.record(k, true, config())).toEqual({ state: 'closed', transition: { from: 'half_open', to: 'closed' } });
      expect((await s.acquire(k, config())).allowed).toBe(true);
    });

    it('re-opens when the probe fails', async () => {
      const s = create();
      const k = uniqueKey();
      for (let i = 0; i < 3; i++) await s.record(k, false, config());
      await sleep(COOLDOWN + 30);
      expect((await s.acquire(k, config())).allowed).toBe(true);
      expect(await s.record(k, false, config())).toEqual({ state: 'open', transition: { from: 'half_open', to: 'open' } });
      expect((await s.acquire(k, config())).allowed).toBe(false);
    });

    it('needs halfOpenSuccesses successful probes to close', async () => {
      const s = create();
      const k = uniqueKey();
      const c = config({ halfOpenSuccesses: 2 });
      for (let i = 0; i < 3; i++) await s.record(k, false, c);
      await sleep(COOLDOWN + 30);
      expect((await s.acquire(k, c)).allowed).toBe(true);
      expect(await s.record(k, true, c)).toEqual({ state: 'half_open' });
      expect((await s.acquire(k, c)).allowed).toBe(true);
      expect((await s.record(k, true, c)).state).toBe('closed');
    });

    it('keeps circuits of different keys apart', async () => {
      const s = create();
      const [a, b] = [uniqueKey(), uniqueKey()];
      for (let i = 0; i < 3; i++) await s.record(a, false, config());
      expect(await s.state(a)).toBe('open');
      expect(await s.state(b)).toBe('closed');
    });
  });
}
