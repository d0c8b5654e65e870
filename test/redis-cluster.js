// A real Redis Cluster on loopback for the suites that must hold on one: six redis-servers with
// cluster mode on, joined by redis-cli into three masters with one replica each.
import { execFileSync } from 'node:child_process';
import { Cluster } from 'ioredis';
import { findRedisServer, startRedisServer } from '../apps/api/dist/redis/local-redis.js';

/**
 * Starts the cluster; resolves to { nodes: 'host:port,...', servers, stop } once every slot is served
 * and every replica has synced. `nodeTimeoutMs` is how long a silent master has before its replica
 * takes over: short for the failover test, longer for the shared cluster so a busy machine never
 * fails a master over by accident.
 */
export async function startRedisCluster({ nodeTimeoutMs = 5_000 } = {}) {
  const bin = findRedisServer(true);
  if (!bin) throw new Error('redis-server is required for the tests: install it (Debian: apt-get install redis-server)');
  // No diskless-sync delay: replicas hold their master's data within moments (a replica that never synced will not take over).
  const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs), '--repl-diskless-sync-delay', '0'];
  // One after another: ports picked at the same moment could collide.
  const servers = [];
  const stop = () => Promise.all(servers.map((s) => s.stop()));
  try {
    for (let i = 0; i < 6; i++) servers.push(await startRedisServer(bin, undefined, args));
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
    execFileSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'], { stdio: 'ignore' });
    await clusterReady(addresses);
    await replicasInSync(servers.map((s) => s.port));
    return { nodes: addresses.join(','), servers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Waits until every replica's link to its master is up (the initial sync is done). */
async function replicasInSync(ports) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const infos = ports.map((port) => execFileSync('redis-cli', ['-p', String(port), 'INFO', 'replication']).toString());
    const replicas = infos.filter((i) => /role:slave/.test(i));
    if (replicas.length === 3 && replicas.every((i) => /master_link_status:up/.test(i))) return;
    if (Date.now() > deadline) throw new Error('the Redis Cluster replicas did not sync in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the cluster answers on every slot: a key of each master's range can be written and read. */
async function clusterReady(addresses) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const cluster = new Cluster(addresses.map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) })), { clusterRetryStrategy: () => null, enableOfflineQueue: true });
    cluster.on('error', () => undefined);
    try {
      const info = await cluster.cluster('INFO');
      if (/cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info)) {
        // One key per master: the three ranges of 16384 slots.
        for (const tag of ['a', 'b', 'c', 'd', 'e', 'f']) await cluster.set(`{${tag}}ready`, '1');
        await cluster.quit();
        return;
      }
    } catch {
      // not yet
    }
    cluster.disconnect();
    if (Date.now() > deadline) throw new Error('the Redis Cluster did not become ready in 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}
