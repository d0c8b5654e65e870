import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { freePort, pingRedis } from '../apps/api/src/redis/local-redis.js';
import { eventually, until } from './eventually.js';

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
    await eventually('the service to listen', () => {
      if (child!.exitCode !== null) throw new Error(`service exited:\n${log}`);
      return log.includes('Listening on') ? true : undefined;
    }, { timeoutMs: 30_000, everyMs: 50 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${log}`);
    });
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
    let run = (await http.get(`/v1/runs/${queued.body.runId}`).set(auth).timeout(10_000)).body;
    await until('the queued run to complete', async () => (run = (await http.get(`/v1/runs/${queued.body.runId}`).set(auth).timeout(10_000)).body).status === 'completed', { timeoutMs: 20_000, everyMs: 50 }).catch(() => {
      throw new Error(`run ${JSON.stringify(run)} did not complete:\n${log}`);
    });
    expect(run).toMatchObject({ status: 'completed', text: 'You said: hello from the quick start' });
    await firstHour(http, log);

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    if (code === 'hung') throw new Error(`the service did not exit within 15 s of SIGTERM:\n${log}`);
    expect(code).toBe(0);
    if (started) {
      // redis-server was sent SIGTERM as the service exited; give it a moment to go.
      await until('the private redis-server to stop', async () => !(await pingRedis(Number(started[1]))), { timeoutMs: 5_000, everyMs: 50 });
    }
  }, 90_000);
});

/** The quick-start calls of docs/getting-started.md, as a new user pastes them: both development keys, a resume, an approval, a chat, a 404. */
async function firstHour(http: TestAgent, log: string): Promise<void> {
  expect(log).toContain('accepting the development keys dev-key (dev/dev) and dev-approver (dev/approver, roles approver)');
  const dev = { Authorization: 'Bearer dev-key' };
  const approver = { Authorization: 'Bearer dev-approver' };

  // A pause for a human: the checkpoint goes back as the object it came as.
  const paused = await http.post('/v1/agents/assistant/runs').set(dev).timeout(10_000).send({ message: 'ask me' });
  expect(paused.body).toMatchObject({ status: 'paused', checkpoint: expect.any(Object) });
  const resumed = await http.post('/v1/agents/assistant/runs/resume').set(dev).timeout(10_000).send({ checkpoint: paused.body.checkpoint, answer: 'blue' });
  expect(resumed.body).toMatchObject({ status: 'completed', text: 'You answered: blue', finishReason: 'stop', usage: { totalTokens: expect.any(Number) } });

  // An approval: the requester may not approve their own call; the second development user may.
  const asked = await http.post('/v1/agents/assistant/runs').set(dev).timeout(10_000).send({ message: 'refund 25' });
  expect(asked.body).toMatchObject({ status: 'paused', pauseData: { kind: 'approval', tool: 'refund', args: { amount: 25 } } });
  const { approvalId } = asked.body.pauseData as { approvalId: string };
  const own = await http.post(`/v1/approvals/${approvalId}`).set(dev).timeout(10_000).send({ decision: 'approve' });
  expect({ status: own.status, code: own.body.error?.code }).toEqual({ status: 403, code: 'approval_forbidden' });
  const pending = await http.get('/v1/approvals?status=pending').set(approver).timeout(10_000);
  expect(pending.body.approvals.map((a: { approvalId: string }) => a.approvalId)).toContain(approvalId);
  const approved = await http.post(`/v1/approvals/${approvalId}`).set(approver).timeout(10_000).send({ decision: 'approve' });
  expect(approved.status).toBe(200);
  let run = (await http.get(`/v1/runs/${asked.body.runId}`).set(dev).timeout(10_000)).body;
  await until('the approved run to complete', async () => (run = (await http.get(`/v1/runs/${asked.body.runId}`).set(dev).timeout(10_000)).body).status === 'completed', { timeoutMs: 20_000, everyMs: 50 }).catch(() => undefined);
  expect(run).toMatchObject({ status: 'completed', text: 'refund said: refunded $25', finishReason: 'stop' });

  // The chat body from docs/getting-started.md, as useChat sends it.
  const chat = await http
    .post('/v1/agents/assistant/chat')
    .set(dev)
    .timeout(10_000)
    .send({ id: 'my-chat', trigger: 'submit-message', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'What time is it?' }] }] });
  expect(chat.status).toBe(200);
  const deltas = chat.text
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice('data: '.length)) as { type: string; delta?: string })
    .filter((chunk) => chunk.type === 'text-delta');
  expect(deltas.map((d) => d.delta).join('')).toMatch(/^The time is /);
  expect(chat.text).toContain('data: [DONE]');

  const unknown = await http.get('/v1/runs/no-such-run').set(dev).timeout(10_000);
  expect({ status: unknown.status, body: unknown.body }).toEqual({ status: 404, body: { error: { code: 'run_not_found', message: 'no such run' } } });
}

describe('the quick start as written', () => {
  it('is the two commands and the calls this suite runs', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toMatch(/^npm test\b/m);
    const guide = readFileSync('docs/getting-started.md', 'utf8');
    for (const call of ['-d \'{"message":"ask me"}\'', '-d \'{"message":"refund 25"}\'', '{"decision":"approve"}', '"trigger":"submit-message"', 'Bearer dev-approver']) expect(guide).toContain(call);
  });
});

describe('npm start', () => {
  it('says it is building before the first, silent, compile', () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    for (const script of [scripts.start, scripts['start:worker']]) expect(script).toMatch(/^echo 'Building AgentNest[^']*' && tsc -b /);
  });
});
