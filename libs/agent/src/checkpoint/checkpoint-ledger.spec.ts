import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { mock, ProviderError } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { Agent } from '../agent.js';
import { isPaused, type PausedResult } from '../run/agent.types.js';
import { askHuman } from '../tools/ask-human.js';
import { InMemoryCheckpointLedger, type CheckpointLedger } from './checkpoint-ledger.js';
import { RedisCheckpointLedger } from './redis-checkpoint-ledger.js';

const SECRET = 'checkpoint-ledger-spec-secret-0123456789';
const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };
const redis = new Redis(process.env.REDIS_URL!);
// The test run's real 6-node cluster (test/redis-cluster.js).
const cluster = new Cluster(process.env.REDIS_CLUSTER_NODES!.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })));
afterAll(() => Promise.all([redis.quit(), cluster.quit()]));

const ledgers: Array<[string, () => CheckpointLedger]> = [
  ['InMemoryCheckpointLedger', () => new InMemoryCheckpointLedger()],
  ['RedisCheckpointLedger', () => new RedisCheckpointLedger({ redis, prefix: `ckpt-spec-${randomUUID()}:` })],
  ['RedisCheckpointLedger on a Redis Cluster', () => new RedisCheckpointLedger({ redis: cluster, prefix: `ckpt-spec-${randomUUID()}:` })],
];

describe.each(ledgers)('%s', (_name, make) => {
  it('lets one holder claim a checkpoint, again and again, and nobody else until released', async () => {
    const ledger = make();
    const until = Date.now() + 60_000;
    expect(await ledger.claim('cp1', 'job-1', until)).toBe(true);
    expect(await ledger.claim('cp1', 'job-1', until)).toBe(true);
    expect(await ledger.claim('cp1', 'request-2', until)).toBe(false);
    await ledger.release('cp1', 'request-2'); // not the holder: no effect
    expect(await ledger.claim('cp1', 'request-2', until)).toBe(false);
    await ledger.release('cp1', 'job-1');
    expect(await ledger.claim('cp1', 'request-2', until)).toBe(true);
  });

  it('moves the generation of exactly the erased scope', async () => {
    const ledger = make();
    const c2 = { ...alice, conversationId: 'c2' };
    const bob = { ...alice, principal: 'bob' };
    const [a1, a2, b1] = await Promise.all([ledger.generation(alice), ledger.generation(c2), ledger.generation(bob)]);
    await ledger.revoke(alice);
    expect(await ledger.generation(alice)).not.toBe(a1);
    expect(await ledger.generation(c2)).toBe(a2);
    await ledger.revoke({ tenant: 'acme', principal: 'alice' });
    expect(await ledger.generation(c2)).not.toBe(a2);
    expect(await ledger.generation(bob)).toBe(b1);
    // Same names in another tenant, or without a tenant, are other scopes.
    expect(await ledger.generation({ ...alice, tenant: 'globex' })).toBe(b1);
    expect(await ledger.generation({ principal: 'alice', conversationId: 'c1' })).toBe(b1);
  });
});

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
