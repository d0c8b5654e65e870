// `npm run check:latest`: the consumer app of the gate (test/consumer), built and tested on the
// newest versions our ranges admit instead of our lock's, to see drift before a user does. Not part
// of `npm test`: what the registry serves today must not turn the gate red. Needs `npm run build`
// first (it packs dist); the app's tests use REDIS_URL, or a private redis-server started here.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRedis } from '../test/redis-server.js';
import { writeDocSnippets } from '../test/doc-snippets.js';
import { buildApp, installApp, installedVersions, lockedVersions, packLibs, testApp, writeApp } from '../test/consumer-app.js';

async function withRedis(fn) {
  if (process.env.REDIS_URL) return fn(process.env.REDIS_URL);
  const redis = await startRedis();
  try {
    return await fn(redis.url);
  } finally {
    await redis.stop();
  }
}

const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'agentnest-latest-'));
const problems = [];
try {
  const packed = await packLibs(work);
  const app = writeApp(join(work, 'app'));
  console.log('installing the packages with the newest versions their ranges admit...');
  await installApp(app, packed.map((p) => p.tarball), { offline: false });
  const locked = lockedVersions();
  const moved = [...(await installedVersions(app))].filter(([name, version]) => locked[name] && locked[name] !== version);
  console.log(moved.length ? `newer than our lock (${moved.length}):` : 'every package is at the version our lock resolves');
  for (const [name, version] of moved.sort()) console.log(`  ${name} ${locked[name]} -> ${version}`);
  const docs = () => {
    writeDocSnippets(join(app, 'docs'));
    return exec('npx', ['tsc', '-p', 'tsconfig.docs.json'], { cwd: app, maxBuffer: 16 * 1024 * 1024 }).catch((err) => {
      throw new Error(err.stdout ?? String(err));
    });
  };
  // What a user who follows the README and docs/ gets today, beyond our ranges: the newest TypeScript and Node types.
  const newestCompiler = () => exec('npm', ['install', '--no-audit', '--no-fund', '-D', 'typescript@latest', '@types/node@latest'], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
  for (const [step, run] of [
    ['build (skipLibCheck off)', () => buildApp(app)],
    ["the docs' TypeScript", docs],
    ["the app's tests", () => withRedis((url) => testApp(app, { REDIS_URL: url }))],
    ['the newest typescript and @types/node', newestCompiler],
    ['build with them', () => buildApp(app)],
    ["the docs' TypeScript with them", docs],
  ]) {
    try {
      await run();
      console.log(`ok: ${step}`);
    } catch (err) {
      problems.push(step);
      console.log(`BROKEN: ${step}\n${err.message}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(problems.length ? `drift breaks: ${problems.join(', ')}` : 'no drift breaks the consumer app');
process.exitCode = problems.length ? 1 : 0;
