import { startRedis } from './redis-server.js';

// One Redis for the whole run, unless REDIS_URL points at one already. Suites isolate themselves
// with their own key prefixes; workers inherit REDIS_URL.
export default async function globalSetup() {
  if (process.env.REDIS_URL) return;
  const redis = await startRedis();
  process.env.REDIS_URL = redis.url;
  globalThis.__AGENTNEST_REDIS__ = redis;
}
