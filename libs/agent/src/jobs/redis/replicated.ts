import type { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { RequestIdentity } from '../../context/request-identity.js';
import { hashTag } from './dedicated-connection.js';

/**
 * On a Redis Cluster, waits (at most `timeoutMs`) until a replica has the writes this client sent
 * to the master holding `key`'s slot: replication is asynchronous, and a master that dies right
 * after acknowledging would otherwise take an acknowledged run with it. WAIT covers the writes of
 * one connection, so it goes over the client's own connection to that master. A single Redis
 * (usually without replicas) is left alone. Best effort: with no replica reachable it returns after
 * the timeout rather than refuse the request.
 */
export async function replicated(redis: Redis | Cluster, key: string, timeoutMs = 1_000): Promise<void> {
  if (!redis.isCluster) return;
  const cluster = redis as Cluster;
  // ioredis' own slot map (refreshed on MOVED and failover) names the master that holds the slot and
  // its replicas (CLUSTER SLOTS leaves failed ones out). Without one, as right after a failover, WAIT
  // could only time out: every acknowledgement would pay the whole timeout for nothing.
  const [owner, ...replicas] = (cluster as unknown as { slots: string[][] }).slots[keySlot(key)] ?? [];
  if (!replicas.length) return;
  const node = cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
  await node?.wait(1, timeoutMs).catch(() => undefined);
}

/** The Redis Cluster slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key without one, modulo 16384. */
export function keySlot(key: string): number {
  let crc = 0;
  for (const byte of Buffer.from(hashTag(key))) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16_384;
}

/** A run's acknowledged state (its record and its queued job) is on a replica before the caller hears "queued". */
export async function runReplicated(registry: { readonly clustered: boolean; replicated(owner: RequestIdentity, runId: string): Promise<void> }, owner: RequestIdentity, runId: string, queue: Queue): Promise<void> {
  // A single Redis has nothing to wait for (the queue is on the same deployment as the registry).
  if (!registry.clustered) return;
  // BullMQ's Redis backend uses the module's queue connection itself (shared), the one that sent the job.
  const client = (await (queue.getBackend() as unknown as { client: Promise<Redis | Cluster> }).client) as Redis | Cluster;
  await Promise.all([registry.replicated(owner, runId), replicated(client, `${queue.qualifiedName}:id`)]);
}
