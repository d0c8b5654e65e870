// Finds PostgreSQL's server binaries (installing Debian's postgresql when running as root), and
// starts a private cluster on a free loopback port with a throwaway data directory. The service
// connects as a non-superuser role, so row-level security applies to it as it would in production.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server.js';

function findBinDir() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}

export function findOrInstallPostgres() {
  const found = findBinDir();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error('PostgreSQL is required for the tests: install it (Debian: apt-get install postgresql) or set DATABASE_URL');
  console.error('PostgreSQL not found: installing Debian package postgresql');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null'], { stdio: 'inherit' });
  const installed = findBinDir();
  if (!installed) throw new Error('apt-get install postgresql did not provide initdb');
  return installed;
}

// PostgreSQL refuses to run as root: as root, run its programs as the postgres user.
const asRoot = () => process.getuid?.() === 0;
const ids = () => {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
};

function run(bin, args) {
  const opts = asRoot() ? { ...ids(), stdio: 'pipe' } : { stdio: 'pipe' };
  return execFileSync(bin, args, opts);
}

function ready(port) {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Starts a cluster; resolves to { url (app role), adminUrl, stop() }. */
export async function startPostgres() {
  const bin = findOrInstallPostgres();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'agentnest-pg-'));
  if (asRoot()) {
    const { uid, gid } = ids();
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-U', 'admin', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const spawnOpts = asRoot() ? { ...ids(), stdio: 'ignore' } : { stdio: 'ignore' };
  const child = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'], spawnOpts);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (await ready(port)) {
      try {
        run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'admin', '-d', 'postgres', '-qAtc', 'select 1']);
        break;
      } catch {
        // accepting connections but still starting up
      }
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`postgres did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const psql = (sql) => run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'admin', '-d', 'postgres', '-qAtc', sql]);
  psql('CREATE ROLE agentnest LOGIN');
  psql('CREATE DATABASE agentnest OWNER agentnest');
  return {
    url: `postgres://agentnest@127.0.0.1:${port}/agentnest`,
    adminUrl: `postgres://admin@127.0.0.1:${port}/agentnest`,
    stop: () =>
      new Promise((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGINT'); // fast shutdown
      }),
  };
}
