import { execFileSync } from 'node:child_process';

// One Redis and one PostgreSQL for the whole run (and the Chromium the console suite drives), unless REDIS_URL / DATABASE_URL point at running
// ones. Suites isolate themselves (key prefixes, their own tables); workers inherit the URLs.
export default async function globalSetup() {
  // Builds first: suites spawn the compiled service as worker processes, and the server helpers come from it.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], { stdio: 'inherit' });
  const { startRedis } = await import('./redis-server.js');
  const { startPostgres } = await import('./postgres-server.js');
  const { findChromium } = await import('./chromium.js');
  const { startRedisCluster } = await import('./redis-cluster.js');
  process.env.CHROMIUM_PATH = findChromium();
  if (!process.env.REDIS_URL) {
    const redis = await startRedis();
    process.env.REDIS_URL = redis.url;
    globalThis.__AGENTNEST_REDIS__ = redis;
  }
  // The cluster the Redis-backed suites also run on (issue 16): one per test run, shared by every worker.
  if (!process.env.REDIS_CLUSTER_NODES) {
    const cluster = await startRedisCluster();
    process.env.REDIS_CLUSTER_NODES = cluster.nodes;
    globalThis.__AGENTNEST_REDIS_CLUSTER__ = cluster;
  }
  if (!process.env.DATABASE_URL) {
    const pg = await startPostgres();
    process.env.DATABASE_URL = pg.url;
    process.env.DATABASE_ADMIN_URL = pg.adminUrl;
    globalThis.__AGENTNEST_PG__ = pg;
  }
}
