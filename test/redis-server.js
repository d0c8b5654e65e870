// The tests' Redis: the same private redis-server the service starts for `npm start` in
// development (apps/api/src/redis/local-redis.ts, built by global setup before this is imported).
import { findRedisServer, freePort, startRedisServer } from '../apps/api/dist/redis/local-redis.js';

export { freePort };

/** Starts a private redis-server (installing Debian's package when running as root); resolves to { url, port, pid, stop, kill }. */
export function startRedis(port) {
  const bin = findRedisServer(true);
  if (!bin) throw new Error('redis-server is required for the tests: install it (Debian: apt-get install redis-server) or set REDIS_URL');
  return startRedisServer(bin, port);
}
