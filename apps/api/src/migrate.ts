import { PostgresStore } from '@agentnest/memory';
import { ConfigError } from './config/config.error.js';

// `npm run migrate`: creates or upgrades the PostgreSQL schema of DATABASE_URL, then exits.
const url = process.env.DATABASE_URL;
if (!url) {
  console.error(`Configuration error: ${new ConfigError('DATABASE_URL', 'is required to migrate').message}`);
  process.exit(1);
}
const store = await PostgresStore.fromUrl(url);
try {
  const applied = await store.migrate();
  console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Schema is up to date');
} finally {
  await store.close();
}
