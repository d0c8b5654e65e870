/**
 * Polls `probe` until it returns something other than undefined, and returns that (or throws naming `what`
 * once `timeoutMs` has passed). The one way a test waits for something to happen: it needs no service, so
 * unit specs and e2e suites share it.
 */
export async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, { timeoutMs = 10_000, everyMs = 25 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `eventually` for a condition: resolves once `check` holds. */
export async function until(what: string, check: () => boolean | Promise<boolean>, options?: { timeoutMs?: number; everyMs?: number }): Promise<void> {
  await eventually(what, async () => ((await check()) ? true : undefined), options);
}
