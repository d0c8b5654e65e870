import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { startRedisCluster, type RedisCluster } from './redis-cluster.js';
import { API_KEYS, bearer, KEYS, SECRET, startApi, type Api } from './harness.js';
import { eventually } from './eventually.js';

// A master of a real cluster dies while queued and direct runs are in flight: its replica takes
// over, the service answers 503 for the outage only, and every acknowledged run completes exactly
// once. Its own cluster: the one the other suites share must not lose a master.
describe('a Redis Cluster master fails over under load', () => {
  let cluster: RedisCluster;
  let api: Api;
  let admin: Cluster;
  const prefix = `failover-${randomUUID().slice(0, 8)}:`;

  beforeAll(async () => {
    // A master silent for 1 s is failed over: the outage under test is short.
    cluster = await startRedisCluster({ nodeTimeoutMs: 1_000 });
    admin = new Cluster(cluster.nodes.split(',').map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })));
    api = await startApi({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, REDIS_CLUSTER_NODES: cluster.nodes, REDIS_KEY_PREFIX: prefix, MEMORY_STORE: 'redis', JOBS_BACKOFF_MS: '50', JOBS_CONCURRENCY: '8', JOBS_LOCK_MS: '2000' });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await admin?.quit().catch(() => admin.disconnect());
    await cluster?.stop();
  });

  it('promotes the replica, answers 503 store_unavailable for a few seconds at most, and loses and repeats nothing', async () => {
    // The master that holds the queue's slot: every queued run goes through it.
    const slot = Number(await admin.cluster('KEYSLOT', `{${prefix}bull}`));
    const [, , [host, port]] = (await admin.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to)!;
    const victim = cluster.servers.find((s) => s.port === port)!;
    expect(host).toBe('127.0.0.1');

    const statuses: Array<{ sent: number; at: number; status: number; code?: string }> = [];
    const acknowledged: Array<{ runId: string; conversationId: string }> = [];
    const direct: string[] = [];
    let stop = false;
    // Clients keep coming through the whole outage: a queued run and a direct run at a time, back to back.
    const traffic = (async () => {
      while (!stop) {
        const conversationId = randomUUID();
        const sent = Date.now();
        const [queued, sync] = await Promise.all([
          api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message: `queued ${conversationId}`, conversationId }),
          api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeBob)).send({ message: `direct ${conversationId}`, conversationId }),
        ]);
        for (const res of [queued, sync]) statuses.push({ sent, at: Date.now(), status: res.status, code: res.body?.error?.code });
        if (queued.status === 202) acknowledged.push({ runId: queued.body.runId, conversationId });
        if (sync.status === 200) direct.push(conversationId);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    await eventually('traffic before the failure', async () => (acknowledged.length >= 10 ? true : undefined));
    const killedAt = Date.now();
    process.kill(victim.pid!, 'SIGKILL');
    // Serving again: a run queued after the promotion completes.
    await eventually(
      'the replica to take over and the service to serve again',
      async () => {
        const after = statuses.filter((s) => s.at > killedAt);
        const lastBad = after.filter((s) => s.status >= 300).at(-1)?.at ?? killedAt;
        return after.filter((s) => s.at > lastBad && s.status < 300).length >= 10 ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    stop = true;
    await traffic;

    const bad = statuses.filter((s) => s.status >= 300);
    // From the kill to the first success of a request sent after it: how long clients could not be served.
    const recoveredAt = statuses.find((s) => s.sent > killedAt && s.status < 300 && s.at > (bad.at(-1)?.at ?? 0))!.at;
    const outageMs = recoveredAt - killedAt;
    // Only the outage answer: never a 500, never another code.
    expect(bad.filter((s) => s.status !== 503 || s.code !== 'store_unavailable')).toEqual([]);
    expect(outageMs).toBeLessThan(15_000);

    // Every acknowledged job completes exactly once: completed, its conversation written once (one user turn, one reply).
    // A run its worker was finishing when the master died is taken over once its lock expires (JOBS_LOCK_MS, 2 s here).
    const unfinished = async () => {
      const runs = await Promise.all(acknowledged.map(async ({ runId }) => (await api.http.get(`/v1/runs/${runId}`).set(bearer(KEYS.acmeAlice))).body));
      return runs.filter((r) => r.status !== 'completed').map((r) => `${r.runId} ${r.status} attempts ${r.attempts} ${r.error?.code ?? ''}`);
    };
    await eventually('every acknowledged run to complete', async () => ((await unfinished()).length === 0 ? true : undefined), { timeoutMs: 30_000 }).catch(async () => {
      throw new Error(`acknowledged runs not completed: ${(await unfinished()).join('; ')}`);
    });
    const histories = await Promise.all(acknowledged.map(({ conversationId }) => api.http.get(`/v1/conversations/${conversationId}/messages`).set(bearer(KEYS.acmeAlice))));
    expect(histories.map((h) => h.body.messages.map((m: { role: string }) => m.role).join(','))).toEqual(acknowledged.map(() => 'user,assistant'));
    const directHistories = await Promise.all(direct.map((c) => api.http.get(`/v1/conversations/${c}/messages`).set(bearer(KEYS.acmeBob))));
    expect(directHistories.map((h) => h.body.messages.length)).toEqual(direct.map(() => 2));

    console.log(`failover: master :${port} killed; served again ${outageMs} ms later; ${bad.length} of ${statuses.length} answers were 503 store_unavailable, none other; ${acknowledged.length} queued runs acknowledged, all completed once; ${direct.length} direct runs answered 200, each written once`);
  }, 90_000);
});
