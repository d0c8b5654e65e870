import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Imports `entries` (the compiled packages, as a user resolves them) in a fresh Node process in which
 * every specifier matching `forbidden` fails to resolve, as if the package were not installed.
 */
async function importWithout(forbidden: RegExp, entries: string[]): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'agentnest-entries-'));
  try {
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(hooks, `export async function resolve(specifier, context, next) {
  if (${forbidden}.test(specifier)) { const e = new Error('not installed: ' + specifier); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; }
  return next(specifier, context);
}`);
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});`);
    const script = `for (const e of ${JSON.stringify(entries)}) await import(e);`;
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', pathToFileURL(register).href, '--input-type=module', '-e', script]);
      return { ok: true, output: `${stdout}${stderr}` };
    } catch (err) {
      const { stdout, stderr } = err as { stdout: string; stderr: string };
      return { ok: false, output: `${stdout}${stderr}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('package entry points', () => {
  const frameworks = /^(@nestjs\/|bullmq$|@opentelemetry\/)/;

  it('loads the main entries of providers, memory and agent with no Nest, BullMQ or OpenTelemetry installed', async () => {
    const result = await importWithout(frameworks, ['@agentnest/providers', '@agentnest/memory', '@agentnest/agent']);
    expect(result).toEqual({ ok: true, output: '' });
  });

  it('loads the testing entries with no test runner installed', async () => {
    const result = await importWithout(/^(jest|@jest\/|vitest|fast-check)/, ['@agentnest/providers/testing', '@agentnest/memory/testing']);
    expect(result).toEqual({ ok: true, output: '' });
  });

  it('proves the check: the Nest and jobs entries do need Nest and BullMQ', async () => {
    for (const entry of ['@agentnest/agent/nest', '@agentnest/agent/jobs', '@agentnest/memory/nest']) {
      const result = await importWithout(frameworks, [entry]);
      expect([entry, result.ok, result.output]).toEqual([entry, false, expect.stringMatching(/not installed: (@nestjs|bullmq)/)]);
    }
  });
});
