import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { freePort } from '../apps/api/src/redis/local-redis.js';
import { API_KEYS, bearer, KEYS, runSettled, SECRET, startApi, type Api } from './harness.js';
import { eventually } from './eventually.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

// The demo's multi-agent set over HTTP: triage hands off (to billing for invoices, to the assistant
// for the rest), billing hands back, concierge calls assistant and billing as tools.

type Run = { status: string; text?: string; answeredBy?: string; narrative: string[]; checkpoint?: unknown; pauseData?: Record<string, unknown>; runId: string };

const services: ServiceProcess[] = [];
afterAll(() => Promise.all(services.map((s) => s.stop())));

/** The compiled service in its own process (an API on a free port, or a worker), with the suite's keys and secret. */
async function serviceProcess(env: Record<string, string>): Promise<{ origin?: string }> {
  const port = env.APP_ROLE === 'worker' ? undefined : await freePort();
  services.push(await startServiceProcess({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, ...env, ...(port ? { PORT: String(port) } : {}) }));
  return port ? { origin: `http://127.0.0.1:${port}` } : {};
}

describe('multi-agent runs over HTTP, direct (in-memory)', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const post = async (agent: string, message: string, conversationId: string, key = KEYS.acmeAlice): Promise<Run> => {
    const res = await api.http.post(`/v1/agents/${agent}/runs`).set(bearer(key)).send({ message, conversationId });
    expect(res.status).toBe(200);
    return res.body as Run;
  };

  it('triage hands an invoice to billing, billing keeps the conversation, hands back what is not billing, and the assistant then holds it', async () => {
    const first = await post('triage', 'what about invoice 42?', 'desk-1');
    expect(first).toMatchObject({ status: 'completed', answeredBy: 'billing', text: 'invoice said: invoice 42: $134.00, paid' });
    expect(first.narrative).toContain('Handed off from triage to billing: "the message is about an invoice"');
    expect(first.narrative).toContain('[billing] Assistant called invoice({"number":42})');

    const second = await post('triage', 'and invoice 7?', 'desk-1');
    expect(second).toMatchObject({ answeredBy: 'billing', text: 'invoice said: invoice 7: $279.00, open' });
    expect(second.narrative).toContain('billing holds this conversation: it answers');

    // Not about billing: billing hands back to triage, which sends it to the assistant (never back to billing in this run).
    const third = await post('triage', 'what time is it?', 'desk-1');
    expect(third.answeredBy).toBe('assistant');
    expect(third.text).toMatch(/^The time is /);
    expect(third.narrative.filter((l) => l.includes('Handed off'))).toEqual(['[billing] Handed off from billing to triage: "not a billing question"', 'Handed off from triage to assistant: "a general request"']);

    // The assistant holds it now, and reads the whole conversation (other agents' tool calls as text).
    const fourth = await post('triage', 'what did I say?', 'desk-1');
    expect(fourth).toMatchObject({ answeredBy: 'assistant', text: 'You said: what time is it?' });

    const history = await api.http.get('/v1/conversations/desk-1/messages?limit=100').set(bearer(KEYS.acmeAlice));
    const writers = history.body.messages.filter((m: { role: string }) => m.role === 'assistant').map((m: { agent?: string }) => m.agent);
    expect(writers).toEqual(['triage', 'billing', 'billing', 'billing', 'billing', 'billing', 'triage', 'assistant', 'assistant', 'assistant']);

    // Another tenant's conversation of the same id is its own: nobody holds it there.
    const globex = await post('triage', 'what did I say?', 'desk-1', KEYS.globexAlice);
    expect(globex).toMatchObject({ answeredBy: 'assistant', text: 'You have not said anything before in this conversation.' });
    expect(globex.narrative.some((l) => l.includes('holds this conversation'))).toBe(false);
  });

  it('a question asked after a handoff pauses in billing; the checkpoint (of triage) resumes there', async () => {
    const paused = await post('triage', 'an invoice question: ask me', 'desk-pause');
    expect(paused).toMatchObject({ status: 'paused', answeredBy: 'billing', pauseData: { kind: 'question' } });
    const res = await api.http.post('/v1/agents/triage/runs/resume').set(bearer(KEYS.acmeAlice)).send({ checkpoint: paused.checkpoint, answer: 'number 9' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', answeredBy: 'billing', text: 'You answered: number 9' });
    // Only through the agent the run started with.
    const wrong = await api.http.post('/v1/agents/billing/runs/resume').set(bearer(KEYS.acmeAlice)).send({ checkpoint: paused.checkpoint, answer: 'x' });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'checkpoint_invalid']);
  });

  it('concierge consults billing as a tool: one reply, the sub-run narrated inside, its conversation kept under the caller and erased with it', async () => {
    const run = await post('concierge', 'billing: what about invoice 42?', 'con-1');
    expect(run).toMatchObject({ status: 'completed', answeredBy: 'concierge', text: 'billing said: invoice said: invoice 42: $134.00, paid' });
    expect(run.narrative).toContain('  [billing] Asked: "what about invoice 42?"');
    expect(run.narrative).toContain('  [billing] Assistant called invoice({"number":42})');
    expect(run.narrative.indexOf('Assistant called billing({"message":"what about invoice 42?"})')).toBeLessThan(run.narrative.indexOf('  [billing] Asked: "what about invoice 42?"'));

    const sub = await api.http.get('/v1/conversations/con-1::billing/messages').set(bearer(KEYS.acmeAlice));
    expect(sub.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    // The tenant's usage has both agents' model calls.
    const day = new Date().toISOString().slice(0, 10);
    const usage = await api.http.get(`/v1/usage?from=${day}&to=${day}`).set(bearer(KEYS.acmeAlice));
    expect(usage.body.rows.map((r: { agent: string }) => r.agent)).toEqual(expect.arrayContaining(['concierge', 'billing']));

    expect((await api.http.delete('/v1/conversations/con-1').set(bearer(KEYS.acmeAlice))).status).toBe(200);
    for (const id of ['con-1', 'con-1::billing']) expect((await api.http.get(`/v1/conversations/${id}/messages`).set(bearer(KEYS.acmeAlice))).body.messages).toEqual([]);
  });

  it('a question asked inside a sub-agent pauses the whole run; the checkpoint resumes in another process, once, for its caller only', async () => {
    const paused = await post('concierge', 'assistant: ask me', 'con-pause');
    expect(paused).toMatchObject({ status: 'paused', answeredBy: 'concierge', pauseData: { kind: 'question', question: 'What would you like to tell me?' } });
    expect(paused.checkpoint).toBeDefined();

    const other = await serviceProcess({});
    const http = request(other.origin!);
    const bob = await http.post('/v1/agents/concierge/runs/resume').set(bearer(KEYS.acmeBob)).send({ checkpoint: paused.checkpoint, answer: 'steal it' });
    expect(bob.status).toBe(403);
    const resumed = await http.post('/v1/agents/concierge/runs/resume').set(bearer(KEYS.acmeAlice)).send({ checkpoint: paused.checkpoint, answer: 'the blue one' });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ status: 'completed', answeredBy: 'concierge', text: 'assistant said: You answered: the blue one' });
    expect(resumed.body.narrative).toContain('Resumed: assistant answered');
    expect(resumed.body.narrative).toContain('  [assistant] Resumed: askHuman answered');
    const again = await http.post('/v1/agents/concierge/runs/resume').set(bearer(KEYS.acmeAlice)).send({ checkpoint: paused.checkpoint, answer: 'again' });
    expect([again.status, again.body.error.code]).toEqual([409, 'checkpoint_used']);
  }, 60_000);
});

describe('multi-agent runs over HTTP, queued on a worker process (Redis)', () => {
  let api: Api;
  const prefix = `e2e-agents-${randomUUID()}:`;
  beforeAll(async () => {
    const env = { REDIS_URL: process.env.REDIS_URL!, REDIS_KEY_PREFIX: prefix, MEMORY_STORE: 'redis' };
    api = await startApi({ API_KEYS, CHECKPOINT_SECRET: SECRET, NODE_ENV: 'test', ...env, APP_ROLE: 'api' });
    await serviceProcess({ ...env, APP_ROLE: 'worker' });
  }, 60_000);
  afterAll(() => api.close());

  const enqueue = async (agent: string, message: string, conversationId: string) => {
    const res = await api.http.post(`/v1/agents/${agent}/jobs`).set(bearer(KEYS.acmeAlice)).send({ message, conversationId });
    expect(res.status).toBe(202);
    return res.body.runId as string;
  };

  it('a queued triage run is handed to billing, and the next queued turn goes to billing directly', async () => {
    const first = await runSettled(api, await enqueue('triage', 'invoice 42 please', 'q-desk'), KEYS.acmeAlice, 20_000);
    expect(first).toMatchObject({ status: 'completed', agent: 'triage', answeredBy: 'billing', text: 'invoice said: invoice 42: $134.00, paid' });
    const second = await runSettled(api, await enqueue('triage', 'and invoice 8', 'q-desk'), KEYS.acmeAlice, 20_000);
    expect(second).toMatchObject({ status: 'completed', answeredBy: 'billing', text: 'invoice said: invoice 8: $316.00, paid' });
  }, 60_000);

  it('an approval inside a sub-agent pauses the queued run; the decision continues it on the worker, through the sub-agent', async () => {
    const runId = await enqueue('concierge', 'billing: refund 25', 'q-con');
    const paused = await runSettled(api, runId, KEYS.acmeAlice, 20_000);
    expect(paused).toMatchObject({ status: 'paused', pauseData: { kind: 'approval', tool: 'refund', args: { amount: 25 } } });
    const approvalId = paused.pauseData.approvalId as string;
    const listed = await api.http.get('/v1/approvals').set(bearer(KEYS.acmeBob));
    expect(listed.body.approvals).toEqual(expect.arrayContaining([expect.objectContaining({ approvalId, agent: 'concierge', tool: 'refund', args: { amount: 25 } })]));
    const decided = await api.http.post(`/v1/approvals/${approvalId}`).set(bearer(KEYS.acmeBob)).send({ decision: 'approve' });
    expect(decided.status).toBe(200);
    const done = await eventually('the run to complete', async () => {
      const r = (await api.http.get(`/v1/runs/${runId}`).set(bearer(KEYS.acmeAlice))).body;
      return r.status === 'completed' ? r : undefined;
    }, { timeoutMs: 20_000 });
    expect(done).toMatchObject({ answeredBy: 'concierge', text: 'billing said: refund said: refunded $25' });
  }, 60_000);

  it('a direct run that pauses inside a sub-agent for an approval is kept server-side and finished by the worker', async () => {
    const res = await api.http.post('/v1/agents/concierge/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'billing: refund 12', conversationId: 'q-direct' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'paused', pauseData: { kind: 'approval', tool: 'refund' } });
    expect(res.body.checkpoint).toBeUndefined();
    const approvalId = res.body.pauseData.approvalId as string;
    expect((await api.http.post(`/v1/approvals/${approvalId}`).set(bearer(KEYS.acmeBob)).send({ decision: 'deny', reason: 'no' })).status).toBe(200);
    const done = await eventually('the run to complete', async () => {
      const r = (await api.http.get(`/v1/runs/${res.body.runId}`).set(bearer(KEYS.acmeAlice))).body;
      return r.status === 'completed' ? r : undefined;
    }, { timeoutMs: 20_000 });
    expect(done.text).toBe('billing said: refund said: denied by bob: no');
  }, 60_000);

  it('a question inside a sub-agent of a queued run is answered through /resume and the worker finishes the tree', async () => {
    const runId = await enqueue('concierge', 'assistant: ask me', 'q-ask');
    expect(await runSettled(api, runId, KEYS.acmeAlice, 20_000)).toMatchObject({ status: 'paused', pauseData: { kind: 'question' } });
    expect((await api.http.post(`/v1/runs/${runId}/resume`).set(bearer(KEYS.acmeAlice)).send({ answer: 'green' })).status).toBe(202);
    const done = await eventually('the run to complete', async () => {
      const r = (await api.http.get(`/v1/runs/${runId}`).set(bearer(KEYS.acmeAlice))).body;
      return r.status === 'completed' ? r : undefined;
    }, { timeoutMs: 20_000 });
    expect(done.text).toBe('assistant said: You answered: green');
  }, 60_000);
});
