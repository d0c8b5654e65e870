import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AgentEvent } from '../../events/agent-event.js';
import { ownerKeys } from '../redis/owner-tag.js';
import { RunEvents } from './run-events.js';
import { until } from '../../../../../test/eventually.js';

const redis = new Redis(process.env.REDIS_URL!);
afterAll(async () => {
  await redis.quit();
});

const base = { runId: 'r', agent: 'a', at: 0 };
const delta = (d: string): AgentEvent => ({ ...base, type: 'llm.delta', iteration: 1, delta: d });
const owner = { tenant: 'acme', principal: 'alice' };

describe('RunEvents.recorder', () => {
  it('coalesces text deltas within the batch window, keeps order with tool events, and flushes the rest', async () => {
    const prefix = `run-events-spec-${randomUUID()}:`;
    const events = new RunEvents({ redis, prefix });
    // Events are kept only while the run is recorded.
    await redis.hset(ownerKeys(prefix, owner).record('r'), 'status', 'running');
    const rec = events.recorder(owner, 'r', { batchMs: 40 });
    rec.onEvent(delta('Hel'));
    rec.onEvent(delta('lo'));
    // The window closes (its timer fires): one event for both. Waits for that, not for a fixed time.
    await until('the first batch', async () => (await events.read(owner, 'r', '0')).length > 0);
    rec.onEvent(delta(' wor'));
    rec.onEvent({ ...base, type: 'tool.start', toolCallId: 't1', tool: 'clock', args: {} }); // pushes the pending text first
    rec.onEvent(delta('ld'));
    await rec.flush();
    const stored = await events.read(owner, 'r', '0');
    expect(stored.map((s) => s.event)).toEqual([
      { type: 'text', delta: 'Hello' },
      { type: 'text', delta: ' wor' },
      { type: 'tool.start', toolCallId: 't1', tool: 'clock', args: {} },
      { type: 'text', delta: 'ld' },
    ]);
    // Nothing is appended for a run that is not recorded (an erased one).
    expect(await events.append(owner, 'erased', { type: 'status', status: 'running' })).toBe(false);
    expect(await redis.exists(events.key(owner, 'erased'))).toBe(0);
    // Another owner's stream of the same run id is a different stream.
    expect(await events.read({ tenant: 'globex', principal: 'alice' }, 'r', '0')).toEqual([]);
  });

  it('hands the events it has not written yet to drain (they go with the final status), after the batch already on its way', async () => {
    const prefix = `run-events-spec-${randomUUID()}:`;
    const events = new RunEvents({ redis, prefix });
    await redis.hset(ownerKeys(prefix, owner).record('r'), 'status', 'running');
    const rec = events.recorder(owner, 'r');
    rec.onEvent({ ...base, type: 'llm.request', iteration: 1, model: 'm', messageCount: 1, toolCount: 0 });
    // The first batch goes out when its window closes.
    await until('the first batch', async () => (await events.read(owner, 'r', '0')).length > 0);
    rec.onEvent({ ...base, type: 'tool.start', toolCallId: 't1', tool: 'clock', args: {} });
    rec.onEvent(delta('done'));
    expect(await rec.drain()).toEqual([
      { type: 'tool.start', toolCallId: 't1', tool: 'clock', args: {} },
      { type: 'text', delta: 'done' },
    ]);
    expect((await events.read(owner, 'r', '0')).map((s) => s.event)).toEqual([{ type: 'step' }]);
    // Nothing is written behind the caller's back afterwards, even once the window would have closed: a window of
    // the same length opened after the drain has closed and its batch landed.
    await redis.hset(ownerKeys(prefix, owner).record('later'), 'status', 'running');
    events.recorder(owner, 'later').onEvent(delta('x'));
    await until('a later window to close', async () => (await events.read(owner, 'later', '0')).length > 0);
    expect(await events.read(owner, 'r', '0')).toHaveLength(1);
  });
});
