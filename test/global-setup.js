import { startPostgres } from './postgres-server.js';
import { startRedis } from './redis-server.js';

// One Redis and one PostgreSQL for the whole run, unless REDIS_URL / DATABASE_URL point at running
// ones. Suites isolate themselves (key prefixes, their own tables); workers inherit the URLs.
export default async function globalSetup() {
  if (!process.env.REDIS_URL) {
    const redis = await startRedis();
    process.env.REDIS_URL = redis.url;
    globalThis.__AGENTNEST_REDIS__ = redis;
  }
  if (!process.env.DATABASE_URL) {
    const pg = await startPostgres();
    process.env.DATABASE_URL = pg.url;
    process.env.DATABASE_ADMIN_URL = pg.adminUrl;
    globalThis.__AGENTNEST_PG__ = pg;
  }
}
