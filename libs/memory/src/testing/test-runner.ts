/* eslint-disable @typescript-eslint/no-explicit-any -- the runner's own types belong to the user's test framework */

/** The parts of a test framework the conformance suites use (Jest, or Vitest with `globals: true`). */
export interface TestRunner {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => unknown, timeoutMs?: number): void;
  expect: any;
  beforeEach(fn: () => unknown): void;
  afterAll(fn: () => unknown): void;
}

/**
 * The running framework's globals, read when a suite is declared rather than imported when this
 * module loads: importing `@agentnest/memory/testing` never pulls a test runner in.
 */
export function testRunner(): TestRunner {
  const g = globalThis as Record<string, any>;
  for (const name of ['describe', 'it', 'expect', 'beforeEach', 'afterAll']) {
    if (typeof g[name] !== 'function') throw new Error(`the conformance suites need the test framework's global ${name}() (Jest, or Vitest with globals: true)`);
  }
  return { describe: g.describe, it: g.it, expect: g.expect, beforeEach: g.beforeEach, afterAll: g.afterAll };
}
