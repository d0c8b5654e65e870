export default async function globalTeardown() {
  await Promise.all([globalThis.__AGENTNEST_REDIS__?.stop(), globalThis.__AGENTNEST_REDIS_CLUSTER__?.stop(), globalThis.__AGENTNEST_PG__?.stop()]);
}
