import type { Cluster, Redis } from 'ioredis';

/**
 * A connection of its own, like `redis` (a single Redis or a Cluster), for blocking reads or
 * subscriptions: it queues commands until connected and never times a blocking command out,
 * whatever the shared connection does.
 */
export function dedicatedConnection(redis: Redis | Cluster): Redis | Cluster {
  const connection = redis.isCluster
    ? (redis as Cluster).duplicate(undefined, { enableOfflineQueue: true, redisOptions: { ...(redis as Cluster).options.redisOptions, commandTimeout: undefined } })
    : (redis as Redis).duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
  // Trouble shows in the shared connection's log; without a listener ioredis prints each retry as an unhandled error.
  connection.on('error', () => undefined);
  return connection;
}

/** The hash tag of a key (what decides its Cluster slot), or the whole key without one. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
