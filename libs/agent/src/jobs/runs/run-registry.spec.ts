import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RunEvents } from '../streams/run-events.js';
import { RunRegistry, RunStateError } from './run-registry.js';

const redis = new Redis(process.env.REDIS_URL!);
afterAll(async () => {
  await redis.quit();
});

const owner = { tenant: 'acme', principal: 'alice' };

function setup() {
  const prefix = `run-registry-spec-${randomUUID()}:`;
  return { registry: new RunRegistry({ redis, prefix }), events: new RunEvents({ redis, prefix }) };
}

describe('RunRegistry: a status change and its events in one step', () => {
  it('creates a run with its first event, claims it, and finishes it with the events not written yet', async () => {
    const { registry, events } = setup();
    await registry.create(owner, { runId: 'r1', agent: 'echo', conversationId: 'c1' }, { jobId: 'r1' }, { type: 'status', status: 'queued' });
    expect((await registry.list(owner, 10)).map((r) => [r.runId, r.status])).toEqual([['r1', 'queued']]);
    expect(await registry.claim(owner, 'r1', { attempts: 1, startedAt: 'then' }, [{ type: 'status', status: 'running' }])).toEqual({ previous: 'queued', cancelRequested: false });
    await registry.transition(owner, 'r1', ['running'], 'completed', { text: 'hi', usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 }, error: null }, { events: [{ type: 'step' }, { type: 'status', status: 'completed', text: 'hi' }] });
    const run = await registry.get(owner, 'r1');
    expect(run).toMatchObject({ status: 'completed', text: 'hi', usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 }, attempts: 1, startedAt: 'then' });
    expect((await events.read(owner, 'r1', '0')).map((e) => e.event)).toEqual([
      { type: 'status', status: 'queued' },
      { type: 'status', status: 'running' },
      { type: 'step' },
      { type: 'status', status: 'completed', text: 'hi' },
    ]);
  });

  it('reads a record and status events stored before the AI SDK names (reply, usage without totalTokens) in today\'s fields', async () => {
    const { registry, events } = setup();
    await registry.create(owner, { runId: 'old', agent: 'echo', conversationId: 'c1' }, { jobId: 'old' });
    // What the previous release wrote: the same encoding, the old field names.
    const stored = { reply: 'hi from before', usage: { inputTokens: 3, outputTokens: 1 } };
    await registry.update(owner, 'old', stored as never);
    await events.append(owner, 'old', { type: 'status', status: 'completed', ...stored } as never);
    const current = { text: 'hi from before', usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 } };
    expect(await registry.get(owner, 'old')).toMatchObject(current);
    expect(await registry.get(owner, 'old')).not.toHaveProperty('reply');
    expect((await registry.list(owner, 10)).find((r) => r.runId === 'old')).toMatchObject(current);
    expect((await events.read(owner, 'old', '0')).map((e) => e.event)).toEqual([{ type: 'status', status: 'completed', ...current }]);
    expect((await events.last(owner, 'old'))?.event).toEqual({ type: 'status', status: 'completed', ...current });
  });

  it.each([
    ['null', null],
    ['a number', 5],
    ['a string', 'lots'],
    ['strings for counts', { input: '5', output: '7', cacheRead: '1' }],
    ['an empty object', {}],
    ['negative and non-finite counts', { inputTokens: -10, outputTokens: Number.POSITIVE_INFINITY, totalTokens: 3 }],
  ])('reads a stored record whose usage is %s as sane, non-negative counts (and lists it)', async (_, usage) => {
    const prefix = `run-registry-spec-${randomUUID()}:`;
    const registry = new RunRegistry({ redis, prefix });
    const runId = `odd-${randomUUID()}`;
    await registry.create(owner, { runId, agent: 'echo', conversationId: 'c1' }, { jobId: runId });
    // Written as a broken writer (or an older release) might have: the field's JSON, straight into the hash.
    const [key] = await redis.keys(`${prefix}run:*:${runId}`);
    await redis.hset(key, 'usage', JSON.stringify(usage));
    const read = await registry.get(owner, runId);
    const { inputTokens, outputTokens, totalTokens } = read!.usage!;
    for (const n of [inputTokens, outputTokens, totalTokens]) expect(Number.isInteger(n) && n >= 0).toBe(true);
    expect(totalTokens).toBe(inputTokens + outputTokens);
    expect((await registry.list(owner, 100)).some((r) => r.runId === runId)).toBe(true);
  });

  it('clears fields given as null, and appends nothing when the run is not in a status it may leave', async () => {
    const { registry, events } = setup();
    await registry.create(owner, { runId: 'r2', agent: 'echo', conversationId: 'c1' }, { jobId: 'r2' });
    await registry.claim(owner, 'r2', {}, [{ type: 'status', status: 'running' }]);
    await registry.transition(owner, 'r2', ['running'], 'queued', { error: { code: 'overloaded', message: 'later' } });
    expect((await registry.get(owner, 'r2'))?.error).toEqual({ code: 'overloaded', message: 'later' });
    await registry.claim(owner, 'r2', {}, [{ type: 'status', status: 'running' }]);
    await registry.transition(owner, 'r2', ['running'], 'completed', { text: '', error: null });
    const run = await registry.get(owner, 'r2');
    expect(run?.error).toBeUndefined();
    expect(run?.text).toBe('');
    const before = (await events.read(owner, 'r2', '0')).length;
    await expect(registry.transition(owner, 'r2', ['running'], 'failed', {}, { events: [{ type: 'status', status: 'failed' }] })).rejects.toBeInstanceOf(RunStateError);
    // A finished run cannot be claimed again (a duplicate job does nothing).
    expect(await registry.claim(owner, 'r2', {}, [{ type: 'status', status: 'running' }])).toBeUndefined();
    expect(await events.read(owner, 'r2', '0')).toHaveLength(before);
  });

  it('tells the worker that claims a run whether a cancel was asked for, and is blind to other owners', async () => {
    const { registry } = setup();
    await registry.create(owner, { runId: 'r3', agent: 'echo', conversationId: 'c1' }, { jobId: 'r3' });
    await registry.claim(owner, 'r3', {}, [{ type: 'status', status: 'running' }]);
    await registry.update(owner, 'r3', { cancelRequested: true });
    // A stalled job taken over by another worker.
    expect(await registry.claim(owner, 'r3', {}, [{ type: 'status', status: 'running' }])).toEqual({ previous: 'running', cancelRequested: true });
    expect(await registry.claim({ tenant: 'globex', principal: 'alice' }, 'r3', {}, [{ type: 'status', status: 'running' }])).toBeUndefined();
  });
});
