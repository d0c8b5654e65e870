import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LIBS = ['providers', 'memory', 'agent', 'observability'];

// What a user does: install the packages from what `npm pack` ships (no workspace links, no source),
// into a separate Nest app with its own package.json, build it with skipLibCheck off, run its tests.
// A lib that forgets a dependency, an export or a file fails here.
describe('the packages installed into a separate Nest app', () => {
  it('pack, install with plain npm, build with skipLibCheck off, and pass the app\'s own tests', async () => {
    const work = mkdtempSync(join(tmpdir(), 'agentnest-consumer-'));
    try {
      const tarballs: string[] = [];
      for (const lib of LIBS) {
        const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: `libs/${lib}` });
        const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
        // Compiled code, types, README and LICENSE ship; sources and specs do not.
        const paths = packed.files.map((f) => f.path);
        expect(paths).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'package.json']));
        expect(paths.filter((p) => p.startsWith('src/') || p.includes('.spec.'))).toEqual([]);
        tarballs.push(join(work, packed.filename));
        // A registry would take it (nothing is sent: --dry-run).
        const dry = await run('npm', ['publish', '--dry-run'], { cwd: `libs/${lib}` });
        expect(`${dry.stdout}${dry.stderr}`).toContain(`+ @agentnest/${lib}@0.1.0`);
      }
      const app = join(work, 'app');
      cpSync('test/consumer', app, { recursive: true, filter: (src) => !/node_modules|dist/.test(src) });
      // The app asks for the packages by version; these tarballs stand in for the registry.
      const declared = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      expect(declared.dependencies['@agentnest/agent']).toBe('0.1.0');
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs.slice(0, 3)], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
      await run('npm', ['run', 'build'], { cwd: app }).catch((err: { stdout?: string }) => {
        throw new Error(`the consumer app does not compile against the packages:\n${err.stdout ?? ''}`);
      });
      const tests = await run('npm', ['test'], { cwd: app, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 90_000 }).catch((err: { stdout?: string; stderr?: string }) => {
        throw new Error(`the consumer app's tests failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
      });
      expect(tests.stdout).toMatch(/pass 3/);
      expect(tests.stdout).toMatch(/fail 0/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 240_000);
});
