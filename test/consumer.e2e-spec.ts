import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildApp, installApp, installedVersions, lockedVersions, packLibs, testApp, writeApp } from './consumer-app.js';
import { writeDocSnippets } from './doc-snippets.js';

const run = promisify(execFile);
// A release of ioredis whose type declarations import `redis-errors`, which ships no types: an app with
// skipLibCheck off fails on it unless something brings @types/redis-errors (our packages do).
const IOREDIS_WITH_UNTYPED_IMPORT = '6.1.0';

// What a user does: install the packages from what `npm pack` ships (no workspace links, no source),
// into a separate Nest app with its own package.json, build it with skipLibCheck off, run its tests.
// Every package is held at the version our lock resolves, so a release published since cannot turn
// this red (`npm run check:latest` builds the same app on the newest versions and reports drift).
describe('the packages installed into a separate Nest app', () => {
  it('pack, install the locked versions with plain npm, build with skipLibCheck off, compile the READMEs, pass the app\'s own tests', async () => {
    const work = mkdtempSync(join(tmpdir(), 'agentnest-consumer-'));
    try {
      const packed = await packLibs(work);
      for (const { lib, files } of packed) {
        // Compiled code, types, README and LICENSE ship; sources, specs and build state do not.
        expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'package.json']));
        expect(files.filter((p) => p.startsWith('src/') || p.includes('.spec.') || p.endsWith('.tsbuildinfo'))).toEqual([]);
        // A registry would take it (nothing is sent: --dry-run).
        const dry = await run('npm', ['publish', '--dry-run'], { cwd: `libs/${lib}` });
        expect(`${dry.stdout}${dry.stderr}`).toContain(`+ @agentnest/${lib}@0.1.0`);
      }

      // The app asks for what the root asks for, so the lock's versions satisfy its ranges.
      const root = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
      const rootRanges = { ...root.dependencies, ...root.devDependencies };
      const declared = JSON.parse(readFileSync('test/consumer/package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
      expect(declared.dependencies['@agentnest/agent']).toBe('0.1.0');
      for (const [name, range] of Object.entries({ ...declared.dependencies, ...declared.devDependencies })) {
        if (!name.startsWith('@agentnest/')) expect([name, range]).toEqual([name, rootRanges[name]]);
      }

      const pins = lockedVersions();
      const app = writeApp(join(work, 'app'), { pins });
      await installApp(app, packed.map((p) => p.tarball));
      // Everything installed that the lock pins is at the lock's version (ioredis among them).
      const installed = await installedVersions(app);
      const drift = [...installed].filter(([name, version]) => pins[name] && pins[name] !== version);
      expect(drift).toEqual([]);
      expect(installed.get('ioredis')).toBe(pins.ioredis);

      await buildApp(app);
      const tests = await testApp(app);
      expect(tests.stdout).toMatch(/pass 5/);
      expect(tests.stdout).toMatch(/fail 0/);

      // A user on the ioredis release with the untyped import still compiles (our packages bring its types):
      // the app and every TypeScript block of the READMEs and docs/, in one check against the installed packages.
      await run('npm', ['install', '--no-audit', '--no-fund', `ioredis@${IOREDIS_WITH_UNTYPED_IMPORT}`], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
      const snippets = writeDocSnippets(join(app, 'docs'));
      expect(snippets.length).toBeGreaterThanOrEqual(15);
      await run('npx', ['tsc', '-p', 'tsconfig.docs.json'], { cwd: app, maxBuffer: 16 * 1024 * 1024 }).catch((err: { stdout?: string }) => {
        throw new Error(`the app or the TypeScript of a README or docs/ page does not compile against the packages with ioredis ${IOREDIS_WITH_UNTYPED_IMPORT}:\n${err.stdout ?? ''}`);
      });
      // And that is what protects them: without @types/redis-errors the same app fails on it.
      mkdirSync(join(app, 'probe'));
      writeFileSync(join(app, 'probe', 'redis.ts'), "import type { Redis } from 'ioredis';\nexport type Client = Redis;\n");
      writeFileSync(join(app, 'tsconfig.probe.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, include: ['probe'] }));
      renameSync(join(app, 'node_modules/@types/redis-errors'), join(app, 'redis-errors-types'));
      const bare = await run('npx', ['tsc', '-p', 'tsconfig.probe.json'], { cwd: app }).then(
        () => '',
        (err: { stdout?: string }) => err.stdout ?? '',
      );
      expect(bare).toMatch(/TS7016[^\n]*redis-errors/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
