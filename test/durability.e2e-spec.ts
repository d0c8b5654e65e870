import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { AnthropicFake } from '@agentnest/providers/testing';
import { API_KEYS, bearer, KEYS, SECRET, startApi, type Api } from './harness.js';
import { until } from './eventually.js';

// Workers run as real child processes of the compiled service (built by global setup), so they can be killed like in production.
const MAIN = 'apps/api/dist/main.js';

describe('durable queued runs with worker processes', () => {
  const fake = new AnthropicFake('sk-ant-durable');
  const children: ChildProcess[] = [];
  let env: Record<string, string>;
  let api: Api;

  beforeAll(async () => {
    await fake.start();
    env = {
      NODE_ENV: 'test',
      API_KEYS,
      CHECKPOINT_SECRET: SECRET,
      REDIS_URL: process.env.REDIS_URL!,
      REDIS_KEY_PREFIX: `e2e-durable-${randomUUID()}:`,
      MEMORY_STORE: 'redis',
      LLM_PROVIDER: 'anthropic',
      LLM_MODEL: 'claude-durable',
      ANTHROPIC_API_KEY: 'sk-ant-durable',
      ANTHROPIC_BASE_URL: fake.origin,
      JOBS_LOCK_MS: '1000',
      JOBS_BACKOFF_MS: '10',
      // One tenant queues all 1,000 runs at once here.
      JOBS_MAX_PER_TENANT: '2000',
    };
    api = await startApi({ ...env, APP_ROLE: 'api' });
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await api.close();
    await fake.close();
  });

  function worker(extra: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env, APP_ROLE: 'worker', ...extra }, stdio: 'ignore' });
    children.push(child);
    return child;
  }
  const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));
  const status = async (runId: string) => (await api.http.get(`/v1/runs/${runId}`).set(bearer(KEYS.acmeAlice))).body;
  const enqueue = async (message: string, conversationId: string) => (await api.http.post('/v1/agents/assistant/jobs').set(bearer(KEYS.acmeAlice)).send({ message, conversationId })).body.runId as string;

  it('a worker killed with SIGKILL mid-run: another takes the job over and the conversation holds the run once', async () => {
    let calls = 0;
    fake.respond = () => (++calls === 1 ? { text: 'never delivered', delayMs: 60_000 } : { text: 'done after takeover' });
    const first = worker();
    const runId = await enqueue('survive a crash', 'durable-kill');
    await until('the run to be running, its first call made', async () => (await status(runId)).status === 'running' && calls === 1, { timeoutMs: 20_000, everyMs: 50 });
    first.kill('SIGKILL');
    await exited(first);
    worker();
    await until('the run to complete', async () => (await status(runId)).status === 'completed', { timeoutMs: 20_000, everyMs: 50 });
    expect(await status(runId)).toMatchObject({ status: 'completed', text: 'done after takeover', attempts: 2 });
    const history = await api.http.get('/v1/conversations/durable-kill/messages').set(bearer(KEYS.acmeAlice));
    expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual(['survive a crash', 'done after takeover']);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
  }, 60_000);

  it('1,000 runs over 4 workers, two killed and restarted midway: every run completes exactly once, none lost', async () => {
    const TOTAL = 1000;
    // Answers from the request, so each run's reply proves which message it carried.
    const lastText = (req: { body: unknown }) => {
      const content = (req.body as { messages: Array<{ content: string | Array<{ text?: string }> }> }).messages.at(-1)!.content;
      return typeof content === 'string' ? content : content.map((b) => b.text ?? '').join('');
    };
    fake.respond = (req) => ({ text: `done: ${lastText(req)}`, delayMs: 30 });
    const seenBefore = fake.requests.length;
    const pool = [0, 1, 2, 3].map(() => worker({ JOBS_CONCURRENCY: '8' }));
    // A quarter of the way in, while runs are still being queued, kill two workers holding runs and start two new ones.
    let killedAt = 0;
    const chaos = (async () => {
      await until('a quarter of the calls', async () => fake.requests.length - seenBefore >= TOTAL / 4, { timeoutMs: 60_000, everyMs: 50 });
      for (const victim of pool.slice(0, 2)) victim.kill('SIGKILL');
      await Promise.all(pool.slice(0, 2).map(exited));
      killedAt = fake.requests.length - seenBefore;
      worker({ JOBS_CONCURRENCY: '8' });
      worker({ JOBS_CONCURRENCY: '8' });
    })();
    const runIds: string[] = [];
    for (let i = 0; i < TOTAL; i += 25) {
      runIds.push(...(await Promise.all(Array.from({ length: Math.min(25, TOTAL - i) }, (_, j) => enqueue(`job ${i + j}`, `durable-many-${i + j}`)))));
    }
    expect(new Set(runIds).size).toBe(TOTAL);
    await chaos;

    // Poll only the runs not yet finished, a batch at a time.
    const final = new Map<string, { status: string; text?: string; attempts: number }>();
    await until('every run to finish', async () => {
      const open = runIds.filter((id) => !final.has(id)).slice(0, 100);
      for (const [i, run] of (await Promise.all(open.map(status))).entries()) if (['completed', 'failed', 'cancelled'].includes(run.status)) final.set(open[i], run);
      return final.size === TOTAL;
    }, { timeoutMs: 120_000, everyMs: 50 });

    const byStatus = new Map<string, number>();
    for (const run of final.values()) byStatus.set(run.status, (byStatus.get(run.status) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({ completed: TOTAL });
    runIds.forEach((id, i) => expect(final.get(id)!.text).toBe(`done: job ${i}`));
    // Some runs were in flight in the killed workers and were taken over.
    expect([...final.values()].some((r) => r.attempts > 1)).toBe(true);
    expect(killedAt).toBeLessThan(TOTAL / 2);

    // Exactly once: each conversation holds its run's two messages once, even where a run was executed twice.
    for (let i = 0; i < TOTAL; i += 100) {
      const pages = await Promise.all(
        runIds.slice(i, i + 100).map((_, j) => api.http.get(`/v1/conversations/durable-many-${i + j}/messages`).set(bearer(KEYS.acmeAlice))),
      );
      pages.forEach((page, j) => expect(page.body.messages.map((m: { content: string }) => m.content)).toEqual([`job ${i + j}`, `done: job ${i + j}`]));
    }
    // Every slot of the tenant's cap came back, the runs that killed workers held included.
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const counted = async () => (await Promise.all((await redis.keys(`${env.REDIS_KEY_PREFIX}active-runs:*`)).map((k) => redis.zcard(k)))).reduce((a, b) => a + b, 0);
      await until('no run counted', async () => (await counted()) === 0, { timeoutMs: 10_000, everyMs: 50 });
    } finally {
      redis.disconnect();
    }
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
  }, 240_000);

  it('SIGTERM lets the active run finish, takes no new one, and exits 0', async () => {
    fake.respond = () => ({ text: 'finished during shutdown', delayMs: 1_500 });
    const w = worker({ JOBS_CONCURRENCY: '1' });
    const active = await enqueue('slow one', 'durable-term');
    await until('the active run to be running', async () => (await status(active)).status === 'running', { timeoutMs: 20_000, everyMs: 50 });
    const waiting = await enqueue('queued behind it', 'durable-term-2');
    w.kill('SIGTERM');
    expect(await exited(w)).toBe(0);
    expect(await status(active)).toMatchObject({ status: 'completed', text: 'finished during shutdown' });
    expect((await status(waiting)).status).toBe('queued');
  }, 60_000);
});
