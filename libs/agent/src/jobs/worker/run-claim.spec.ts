import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RunClaim } from './run-claim.js';
import { RunEvents } from '../streams/run-events.js';
import { RunRegistry } from '../runs/run-registry.js';
import { until } from '../../../../../test/eventually.js';

const redis = new Redis(process.env.REDIS_URL!);
afterAll(async () => {
  await redis.quit();
});

const owner = { tenant: 'acme', principal: 'alice' };
const base = { runId: 'r', agent: 'echo', at: 0 };

async function queuedRun() {
  const prefix = `run-claim-spec-${randomUUID()}:`;
  const registry = new RunRegistry({ redis, prefix });
  const events = new RunEvents({ redis, prefix });
  await registry.create(owner, { runId: 'r', agent: 'echo', conversationId: 'c' }, { jobId: 'r' }, { type: 'status', status: 'queued' });
  const controller = new AbortController();
  const claim = new RunClaim(registry, owner, 'r', { startedAt: 'then', attempts: 1 }, controller);
  // Counts the scripts this claim sends (the registry's only commands here).
  let scripts = 0;
  const transition = registry.transition.bind(registry);
  const claimed = registry.claim.bind(registry);
  registry.transition = (...args) => (scripts++, transition(...args));
  registry.claim = (...args) => (scripts++, claimed(...args));
  return { registry, events, controller, claim, scripts: () => scripts, stream: async () => (await events.read(owner, 'r', '0')).map((e) => e.event) };
}

describe('RunClaim', () => {
  it('finishes a fresh run that never wrote from queued, with its running event and start fields, in one script', async () => {
    const { registry, events, claim, scripts, stream } = await queuedRun();
    const recorder = events.recorder(owner, 'r', { opening: claim.open });
    recorder.onEvent({ ...base, type: 'llm.request', iteration: 1, model: 'm', messageCount: 1, toolCount: 0 });
    await claim.finish('completed', { text: 'hi' }, [...(await recorder.drain()), { type: 'status', status: 'completed', text: 'hi' }]);
    expect(scripts()).toBe(1);
    expect(await registry.get(owner, 'r')).toMatchObject({ status: 'completed', text: 'hi', startedAt: 'then', attempts: 1 });
    expect(await stream()).toEqual([
      { type: 'status', status: 'queued' },
      { type: 'status', status: 'running' },
      { type: 'step' },
      { type: 'status', status: 'completed', text: 'hi' },
    ]);
  });

  it('claims a run that takes longer with the first batch of its stream, within the window even if it sent nothing yet', async () => {
    const { registry, events, claim, stream } = await queuedRun();
    const recorder = events.recorder(owner, 'r', { opening: claim.open, batchMs: 5 });
    // Waits for the window to close (the claim lands), not for a fixed time.
    await until('the claim to land', async () => (await registry.get(owner, 'r'))?.status === 'running');
    expect(await registry.get(owner, 'r')).toMatchObject({ status: 'running', startedAt: 'then', attempts: 1 });
    recorder.onEvent({ ...base, type: 'tool.start', toolCallId: 't1', tool: 'clock', args: {} });
    await claim.finish('completed', { text: 'late' }, [...(await recorder.drain()), { type: 'status', status: 'completed', text: 'late' }]);
    expect(await stream()).toEqual([
      { type: 'status', status: 'queued' },
      { type: 'status', status: 'running' },
      { type: 'tool.start', toolCallId: 't1', tool: 'clock', args: {} },
      { type: 'status', status: 'completed', text: 'late' },
    ]);
  });

  it('aborts the run when its claim finds a cancel request, and writes nothing for a run erased meanwhile', async () => {
    const asked = await queuedRun();
    await asked.registry.update(owner, 'r', { cancelRequested: true });
    await asked.claim.open([]);
    expect(asked.controller.signal.aborted).toBe(true);
    expect(asked.claim.refused).toBe(false);

    const erased = await queuedRun();
    await erased.registry.erase(owner);
    await erased.claim.open([{ type: 'step' }]);
    expect([erased.controller.signal.aborted, erased.claim.refused]).toEqual([true, true]);
    await erased.claim.finish('cancelled', {}, [{ type: 'status', status: 'cancelled' }]);
    expect(await erased.registry.get(owner, 'r')).toBeUndefined();
    expect(await erased.stream()).toEqual([]);
  });
});
