import { describe, expect, it } from '@jest/globals';
import { McpReconnector } from './mcp-reconnector.js';
import { backoffDelay, type Timers } from './reconnect-backoff.js';

/** Timers that run only when the test says so, recording each wait. */
function manualTimers() {
  const queue: Array<{ run: () => void; ms: number; cleared: boolean }> = [];
  const timers: Timers = {
    setTimeout: (run, ms) => {
      const t = { run, ms, cleared: false };
      queue.push(t);
      return t;
    },
    clearTimeout: (handle) => void ((handle as { cleared: boolean }).cleared = true),
  };
  return {
    timers,
    waits: () => queue.map((t) => t.ms),
    pending: () => queue.filter((t) => !t.cleared).length,
    /** Runs the next timer and lets the attempt it starts settle. */
    async fire() {
      const t = queue.find((q) => !q.cleared)!;
      t.cleared = true;
      t.run();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

describe('backoffDelay', () => {
  it('doubles from 0.5 s to at most 30 s and waits a random half of that on top of the other half', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 50, 10_000].map((n) => backoffDelay(n, {}, () => 1));
    expect(ceilings).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);
    expect([1, 7].map((n) => backoffDelay(n, {}, () => 0))).toEqual([250, 15_000]);
    expect(backoffDelay(3, { initialDelayMs: 100, maxDelayMs: 300 }, () => 0.5)).toBe(225);
  });
});

describe('McpReconnector', () => {
  const setup = (outcomes: Array<'ok' | 'fail'>, maxReconnectAttempts?: number) => {
    const clock = manualTimers();
    let opens = 0;
    const open = async () => {
      if (outcomes[opens++] === 'fail') throw new Error('spawn failed');
    };
    const r = new McpReconnector('srv', open, { timers: clock.timers, random: () => 1, maxReconnectAttempts });
    r.opened();
    return { r, clock, opens: () => opens };
  };

  it('reconnects a lost server after backed-off attempts, counting them, and reports connected again', async () => {
    const { r, clock, opens } = setup(['fail', 'fail', 'ok']);
    expect(r.status()).toEqual({ server: 'srv', state: 'connected', reconnects: 0 });
    r.lost();
    r.lost(); // a second report of the same loss schedules nothing more
    expect(r.status()).toEqual({ server: 'srv', state: 'reconnecting', attempt: 1, reconnects: 0 });
    expect(clock.pending()).toBe(1);
    await clock.fire();
    expect(r.status()).toMatchObject({ state: 'reconnecting', attempt: 2 });
    await clock.fire();
    expect(r.status()).toMatchObject({ state: 'reconnecting', attempt: 3 });
    await clock.fire();
    expect(r.status()).toEqual({ server: 'srv', state: 'connected', reconnects: 1 });
    // The attempts' waits, then the 30 s the new session must stay up.
    expect(clock.waits()).toEqual([500, 1_000, 2_000, 30_000]);
    expect(opens()).toBe(3);
    // A session that stayed up 30 s is back for good: a later loss starts again from the shortest wait.
    await clock.fire();
    r.lost();
    expect(clock.waits().at(-1)).toBe(500);
  });

  it('keeps slowing down a server that handshakes and then crashes, until a session stays up', async () => {
    const { r, clock } = setup(['ok', 'ok', 'ok', 'ok', 'ok']);
    for (let i = 0; i < 4; i++) {
      r.lost();
      await clock.fire();
      expect(r.status()).toMatchObject({ state: 'connected', reconnects: i + 1 });
    }
    expect(clock.waits()).toEqual([500, 30_000, 1_000, 30_000, 2_000, 30_000, 4_000, 30_000]);
    expect(clock.pending()).toBe(1);
    r.close();
    expect(clock.pending()).toBe(0);
  });

  it('gives up after maxReconnectAttempts and reports failed', async () => {
    const { r, clock } = setup(['fail', 'fail', 'fail'], 2);
    r.lost();
    await clock.fire();
    await clock.fire();
    expect(r.status()).toEqual({ server: 'srv', state: 'failed', attempt: 2, reconnects: 0 });
    expect(clock.pending()).toBe(0);
    r.lost();
    expect(clock.pending()).toBe(0);
  });

  it('stops for good on close, also with an attempt waiting', async () => {
    const { r, clock, opens } = setup(['ok']);
    r.lost();
    r.close();
    expect(clock.pending()).toBe(0);
    expect(r.status()).toEqual({ server: 'srv', state: 'closed', reconnects: 0 });
    expect(opens()).toBe(0);
  });

  it('does not report a session opened after close as connected', async () => {
    const clock = manualTimers();
    let release!: () => void;
    const r = new McpReconnector('srv', () => new Promise<void>((resolve) => (release = resolve)), { timers: clock.timers });
    r.opened();
    r.lost();
    await clock.fire();
    r.close();
    release();
    await Promise.resolve();
    expect(r.status().state).toBe('closed');
  });
});
