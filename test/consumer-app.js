// A separate Nest app built from what `npm pack` ships, as a user installs it. The gate
// (test/consumer.e2e-spec.ts) pins every package to the version our lock resolves, so a release
// published after the lock cannot turn it red; `npm run check:latest` builds the same app on the
// newest versions our ranges admit and reports the drift.
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const BIG = 16 * 1024 * 1024;
export const LIBS = ['providers', 'memory', 'agent', 'observability'];

/** `npm pack` each lib into `work`: its tarball's path and the files it ships. */
export async function packLibs(work) {
  const packed = [];
  for (const lib of LIBS) {
    const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', work], { cwd: `libs/${lib}`, maxBuffer: BIG });
    const [info] = JSON.parse(stdout);
    packed.push({ lib, tarball: join(work, info.filename), files: info.files.map((f) => f.path) });
  }
  return packed;
}

/**
 * The version our lock resolves for each package installed at the top of the tree. A name the lock
 * also holds at another version deeper down is left out: pinning it everywhere would force that
 * version on the package that needed the other one, so it keeps its range.
 */
export function lockedVersions(lockPath = 'package-lock.json') {
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
  const top = new Map();
  const deeper = new Map();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const at = path.lastIndexOf('node_modules/');
    if (at < 0 || entry.link || !entry.version) continue;
    const name = path.slice(at + 'node_modules/'.length);
    if (at === 0) top.set(name, entry.version);
    else deeper.set(name, [...(deeper.get(name) ?? []), entry.version]);
  }
  for (const [name, versions] of deeper) if (versions.some((v) => v !== top.get(name))) top.delete(name);
  for (const name of top.keys()) if (name.startsWith('@agentnest/')) top.delete(name);
  return Object.fromEntries(top);
}

/**
 * Copies test/consumer to `dir`. With `pins`, its own dependencies name exact versions and every
 * other package is held by an `overrides` entry (npm refuses an override of a direct dependency
 * unless both say the same, hence both).
 */
export function writeApp(dir, { pins } = {}) {
  cpSync('test/consumer', dir, { recursive: true, filter: (src) => !/node_modules|dist/.test(src) });
  if (!pins) return dir;
  const file = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  const direct = new Set();
  for (const field of ['dependencies', 'devDependencies']) {
    for (const name of Object.keys(pkg[field] ?? {})) {
      if (name.startsWith('@agentnest/')) continue;
      if (!pins[name]) throw new Error(`the consumer app depends on ${name}, which our lock does not resolve: add it to the root package.json`);
      pkg[field][name] = pins[name];
      direct.add(name);
    }
  }
  pkg.overrides = Object.fromEntries(Object.entries(pins).filter(([name]) => !direct.has(name)));
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  return dir;
}

/** Installs the tarballs (they stand in for the registry) and the app's own dependencies. */
export async function installApp(dir, tarballs, { offline = true } = {}) {
  const args = ['install', '--no-audit', '--no-fund', ...(offline ? ['--prefer-offline'] : ['--prefer-online']), ...tarballs];
  return exec('npm', args, { cwd: dir, maxBuffer: BIG });
}

/** `tsc` with skipLibCheck off; rejects with the compiler's output. */
export async function buildApp(dir) {
  return exec('npm', ['run', 'build'], { cwd: dir, maxBuffer: BIG }).catch((err) => {
    throw new Error(`the consumer app does not compile against the packages:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
}

/** The app's own node:test suite; rejects with its output. */
export async function testApp(dir, env = {}) {
  return exec('npm', ['test'], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '', ...env }, timeout: 90_000, maxBuffer: BIG }).catch((err) => {
    throw new Error(`the consumer app's tests failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  });
}

/** What `npm ls` says is installed, by name, for the app's whole tree. */
export async function installedVersions(dir) {
  const { stdout } = await exec('npm', ['ls', '--all', '--json'], { cwd: dir, maxBuffer: BIG }).catch((err) => ({ stdout: err.stdout }));
  const found = new Map();
  const walk = (deps) => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      if (node.version && !found.has(name)) found.set(name, node.version);
      walk(node.dependencies);
    }
  };
  walk(JSON.parse(stdout).dependencies);
  return found;
}
