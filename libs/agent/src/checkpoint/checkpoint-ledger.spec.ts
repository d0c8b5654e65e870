import { describe, expect, it } from '@jest/globals';
import { mock, ProviderError } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { Agent } from '../agent.js';
import { isPaused, type PausedResult } from '../run/agent.types.js';
import { askHuman } from '../tools/ask-human.js';
import { InMemoryCheckpointLedger, type CheckpointLedger } from './checkpoint-ledger.js';
import { describeCheckpointLedger } from './testing/describe-checkpoint-ledger.js';

const SECRET = 'checkpoint-ledger-spec-secret-0123456789';
const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };

// RedisCheckpointLedger meets the same contract in redis-checkpoint-ledger.int.spec.ts.
describeCheckpointLedger('InMemoryCheckpointLedger', () => new InMemoryCheckpointLedger());

describe('checkpoints through the agent', () => {
  let now = Date.parse('2026-11-26T12:00:00Z');
  const clock = () => now;
  const build = (ledger: CheckpointLedger, provider = mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? `You answered: ${req.messages.at(-1)!.content}` : { toolCalls: [{ name: 'askHuman', args: { question: 'Colour?' } }] }) })) =>
    Agent.create({ name: 'helper', provider, model: 'm', tools: [askHuman], memory: new InMemoryStore(), checkpointSecret: SECRET, checkpointLedger: ledger, checkpointTtlMs: 60_000, now: clock });
  const pause = async (agent: Agent): Promise<PausedResult> => {
    const r = await agent.run({ message: 'choose', identity: alice });
    if (!isPaused(r)) throw new Error('expected a pause');
    return r;
  };

  it('resumes a checkpoint once: a replay is checkpoint_used, even in another Agent object sharing the ledger', async () => {
    const ledger = new InMemoryCheckpointLedger(clock);
    const paused = await pause(build(ledger));
    expect(paused.checkpoint.body).toMatchObject({ id: expect.any(String), gen: '0.0', expiresAt: new Date(now + 60_000).toISOString() });
    expect(await build(ledger).resume(paused.checkpoint, 'blue')).toMatchObject({ status: 'completed', text: 'You answered: blue' });
    await expect(build(ledger).resume(paused.checkpoint, 'red')).rejects.toMatchObject({ code: 'checkpoint_used' });
  });

  it('lets the same attempt key resume again (a retried job) and gives the claim back when the run fails', async () => {
    const ledger = new InMemoryCheckpointLedger(clock);
    const paused = await pause(build(ledger));
    let fail = true;
    const flaky = mock({
      respond: () => {
        if (fail) throw new ProviderError('overloaded', 'mock', 'busy');
        return 'done';
      },
    });
    await expect(build(ledger, flaky).resume(paused.checkpoint, 'x', { attemptKey: 'job-1' })).rejects.toMatchObject({ code: 'overloaded' });
    fail = false;
    expect(await build(ledger, flaky).resume(paused.checkpoint, 'x', { attemptKey: 'job-1' })).toMatchObject({ status: 'completed' });
    await expect(build(ledger).resume(paused.checkpoint, 'x', { attemptKey: 'job-2' })).rejects.toMatchObject({ code: 'checkpoint_used' });
  });

  it('refuses an expired checkpoint (checkpoint_expired) on the injected clock', async () => {
    const ledger = new InMemoryCheckpointLedger(clock);
    const paused = await pause(build(ledger));
    now += 60_000;
    await expect(build(ledger).resume(paused.checkpoint, 'late')).rejects.toMatchObject({ code: 'checkpoint_expired' });
  });

  it('refuses a checkpoint issued before an erasure of its conversation or principal (checkpoint_revoked)', async () => {
    const ledger = new InMemoryCheckpointLedger(clock);
    const first = await pause(build(ledger));
    await ledger.revoke(alice);
    await expect(build(ledger).resume(first.checkpoint, 'x')).rejects.toMatchObject({ code: 'checkpoint_revoked' });
    const second = await pause(build(ledger));
    await ledger.revoke({ tenant: 'acme', principal: 'alice' });
    await expect(build(ledger).resume(second.checkpoint, 'x')).rejects.toMatchObject({ code: 'checkpoint_revoked' });
    // Issued after the erasure, a checkpoint works as usual.
    const third = await pause(build(ledger));
    expect(await build(ledger).resume(third.checkpoint, 'ok')).toMatchObject({ status: 'completed' });
  });

  it('refuses a TTL beyond 30 days when the agent is built', () => {
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', checkpointTtlMs: 31 * 86_400_000 })).toThrow(/checkpointTtlMs/);
  });
});
