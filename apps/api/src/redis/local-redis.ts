import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server this process started; `stop` ends it and removes its scratch directory, `kill` does so synchronously (for an exit handler). */
export interface LocalRedis {
  url: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
  kill(): void;
}

const DEFAULT_PORT = 6379;

function which(bin: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The redis-server binary; when missing and `install` is set, installs Debian's package (root only). */
export function findRedisServer(install: boolean): string | undefined {
  const found = which('redis-server');
  if (found || !install || process.getuid?.() !== 0 || !which('apt-get')) return found;
  console.error('redis-server not found: installing Debian package redis-server');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null'], { stdio: 'inherit' });
  return which('redis-server');
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** True when a Redis answers PING on this loopback port (without a password). */
export function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts a private redis-server on loopback with no persistence; resolves once it answers PING. */
export async function startRedisServer(bin: string, port?: number, extraArgs: string[] = []): Promise<LocalRedis> {
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'agentnest-redis-'));
  const child = spawn(bin, ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await pingRedis(p))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on port ${p}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
    kill: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The development default for `npm start` without REDIS_URL: a Redis already answering on
 * 127.0.0.1:6379, else a private redis-server started for this process (installed first when
 * running as root on Debian), else none — then the service runs without the queue.
 */
export async function findOrStartLocalRedis(log: (line: string) => void): Promise<{ url: string; kill?: () => void } | undefined> {
  if (await pingRedis(DEFAULT_PORT)) {
    log(`using the Redis found on 127.0.0.1:${DEFAULT_PORT}`);
    return { url: `redis://127.0.0.1:${DEFAULT_PORT}` };
  }
  const bin = findRedisServer(true);
  if (!bin) {
    log('no Redis found and redis-server is not installed: running without the queue (install redis-server or set REDIS_URL)');
    return undefined;
  }
  const redis = await startRedisServer(bin);
  log(`started a private redis-server on 127.0.0.1:${redis.port} (stopped with the service; nothing is persisted)`);
  return redis;
}
