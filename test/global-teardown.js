export default async function globalTeardown() {
  await globalThis.__AGENTNEST_REDIS__?.stop();
}
