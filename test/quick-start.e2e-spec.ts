import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import request from 'supertest';
import { freePort, pingRedis } from '../apps/api/src/redis/local-redis.js';

// `npm start` on a machine with nothing configured: the compiled service (built by global setup)
// finds or starts a local Redis, so queued runs work, and takes a Redis it started down with it.
describe('quick start: the service on its embedded defaults', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('runs a queued job with the Redis it found or started, and stops a Redis it started on SIGTERM', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', './apps/api/dist/instrumentation.js', 'apps/api/dist/main.js'], { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!log.includes('Listening on')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`service did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(log).toMatch(/queue worker on/);
    // Development listens on loopback only: the development key is well known.
    expect(log).toMatch(new RegExp(`Listening on http://127\\.0\\.0\\.1:${port} \\(provider mock, memory: in-memory`));
    const started = /started a private redis-server on 127\.0\.0\.1:(\d+)/.exec(log);
    if (!started) expect(log).toMatch(/using the Redis found on 127\.0\.0\.1:6379/);

    const http = request(`http://127.0.0.1:${port}`);
    const auth = { Authorization: 'Bearer dev-key' };
    // Every step is bounded, so a hang fails here with the service's output instead of at the test timeout.
    const queued = await http.post('/v1/agents/assistant/jobs').set(auth).timeout(10_000).send({ message: 'hello from the quick start' });
    expect(queued.status).toBe(202);
    const runDeadline = Date.now() + 20_000;
    let run = (await http.get(`/v1/runs/${queued.body.runId}`).set(auth).timeout(10_000)).body;
    while (run.status !== 'completed' && Date.now() < runDeadline) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await http.get(`/v1/runs/${queued.body.runId}`).set(auth).timeout(10_000)).body;
    }
    if (run.status !== 'completed') throw new Error(`run ${JSON.stringify(run)} did not complete:\n${log}`);
    expect(run).toMatchObject({ status: 'completed', reply: 'You said: hello from the quick start' });

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    if (code === 'hung') throw new Error(`the service did not exit within 15 s of SIGTERM:\n${log}`);
    expect(code).toBe(0);
    if (started) {
      // redis-server was sent SIGTERM as the service exited; give it a moment to go.
      const gone = Date.now() + 5_000;
      while ((await pingRedis(Number(started[1]))) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
      expect(await pingRedis(Number(started[1]))).toBe(false);
    }
  }, 90_000);
});
