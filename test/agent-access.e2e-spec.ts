import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { bearer, runSettled, SECRET, startApi, type Api } from './harness.js';
import { eventually } from './eventually.js';

// AGENT_ACCESS decides which agents a caller may reach: directly, queued, or through another agent's
// handoff or agent tool. Pat has two keys, one with the finance role; only finance reaches billing.
const KEYS = { finance: 'key-acme-pat-finance', plain: 'key-acme-pat', globex: 'key-globex-gus-finance' };
const API_KEYS = `${KEYS.finance}=acme/pat:finance,${KEYS.plain}=acme/pat,${KEYS.globex}=globex/gus:finance`;
const AGENT_ACCESS = JSON.stringify({
  defaultDeny: true,
  rules: [
    { id: 'front-desk', effect: 'allow', agents: ['assistant', 'triage', 'concierge'] },
    { id: 'finance-billing', effect: 'allow', agents: ['billing'], roles: ['finance'] },
    { id: 'globex-no-concierge', effect: 'deny', agents: ['concierge'], tenants: ['globex'] },
  ],
});

describe('agent access over HTTP', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, AGENT_ACCESS, REDIS_URL: process.env.REDIS_URL!, REDIS_KEY_PREFIX: `access-${randomUUID()}:` });
  });
  afterAll(() => api.close());
  const post = (key: string, agent: string, message: string, conversationId = randomUUID()) => api.http.post(`/v1/agents/${agent}/runs`).set(bearer(key)).send({ message, conversationId });
  const listed = async (key: string) => (await api.http.get('/v1/agents').set(bearer(key))).body.agents as Array<{ name: string; tools: Array<{ name: string }>; handoffs: string[] }>;

  it('lists only the agents, handoffs and agent tools the caller may reach', async () => {
    const plain = await listed(KEYS.plain);
    expect(plain.map((a) => a.name)).toEqual(['assistant', 'triage', 'concierge']);
    expect(plain.find((a) => a.name === 'triage')).toMatchObject({ handoffs: ['assistant'], tools: [{ name: 'transfer_to_assistant' }] });
    expect(plain.find((a) => a.name === 'concierge')!.tools.map((t) => t.name)).toEqual(['assistant']);
    const finance = await listed(KEYS.finance);
    expect(finance.map((a) => a.name)).toEqual(['assistant', 'triage', 'billing', 'concierge']);
    expect(finance.find((a) => a.name === 'triage')!.handoffs).toEqual(['assistant', 'billing']);
    expect((await listed(KEYS.globex)).map((a) => a.name)).toEqual(['assistant', 'triage', 'billing']);
  });

  it('answers an agent the caller may not call as one that does not exist, directly and queued', async () => {
    const unknown = await post(KEYS.plain, 'nobody', 'hi');
    const refused: Array<[string, Awaited<ReturnType<typeof post>>]> = [
      ['billing', await post(KEYS.plain, 'billing', 'invoice 42?')],
      ['billing', await api.http.post('/v1/agents/billing/jobs').set(bearer(KEYS.plain)).send({ message: 'invoice 42?' })],
      ['concierge', await post(KEYS.globex, 'concierge', 'hi')],
    ];
    for (const [agent, res] of refused) {
      expect(res.status).toBe(404);
      expect(res.body.error).toEqual({ ...unknown.body.error, message: unknown.body.error.message.replace('nobody', agent) });
    }
    expect((await post(KEYS.finance, 'billing', 'invoice 42?')).status).toBe(200);
    const queued = await api.http.post('/v1/agents/billing/jobs').set(bearer(KEYS.finance)).send({ message: 'invoice 42?' });
    expect(queued.status).toBe(202);
    expect(await runSettled(api, queued.body.runId, KEYS.finance)).toMatchObject({ status: 'completed' });
  });

  it('never hands a conversation to an agent the caller may not reach, nor lets it keep one it holds', async () => {
    const desk = randomUUID();
    const first = await post(KEYS.finance, 'triage', 'what about invoice 42?', desk);
    expect(first.body.narrative).toContain('Handed off from triage to billing: "the message is about an invoice"');
    // The same principal without the role: billing holds the conversation, but triage answers through the assistant.
    const second = await post(KEYS.plain, 'triage', 'and invoice 7?', desk);
    expect(second.status).toBe(200);
    expect(second.body.answeredBy).toBe('assistant');
    expect(second.body.narrative.join('\n')).not.toMatch(/billing/);
    const concierge = await post(KEYS.plain, 'concierge', 'billing: invoice 42?');
    expect(concierge.body.narrative.join('\n')).not.toMatch(/Tool billing returned/);
  });

  // Pat's finance key starts runs that pause on a question; pat's plain key (the role gone) may not answer them.
  const resume = (key: string, agent: string, checkpoint: unknown) => api.http.post(`/v1/agents/${agent}/runs/resume`).set(bearer(key)).send({ checkpoint, answer: 'yes' });
  const pausedBy = async (agent: string, message: string) => {
    const paused = await post(KEYS.finance, agent, message);
    expect(paused.body.status).toBe('paused');
    return paused.body.checkpoint as unknown;
  };

  it('lets no one continue a paused run of an agent out of their reach: directly, after a handoff, inside an agent tool', async () => {
    const forged = { v: 1, agent: 'x', data: 'AAAA', sig: 'AAAA' };
    const unknown = await resume(KEYS.plain, 'nobody', forged);
    // Before the checkpoint is even read, a denied agent answers as an unknown one does.
    expect(await resume(KEYS.plain, 'billing', forged).then((r) => [r.status, r.body.error])).toEqual([404, { ...unknown.body.error, message: unknown.body.error.message.replace('nobody', 'billing') }]);
    for (const [agent, message] of [['billing', 'ask me'], ['triage', 'invoice 42, ask me'], ['concierge', 'billing: ask me']]) {
      const checkpoint = await pausedBy(agent, message);
      const refused = await resume(KEYS.plain, agent, checkpoint);
      expect([agent, refused.status, refused.body.error?.code]).toEqual([agent, 404, 'agent_not_found']);
      // Refused before the checkpoint was claimed: the caller with the role still answers it.
      const answered = await resume(KEYS.finance, agent, checkpoint);
      expect([agent, answered.status, answered.body.status]).toEqual([agent, 200, 'completed']);
    }
  });

  it('lets no one answer a queued run of an agent out of their reach, and keeps the run waiting for who may', async () => {
    const queued = await api.http.post('/v1/agents/billing/jobs').set(bearer(KEYS.finance)).send({ message: 'ask me' });
    const runId = queued.body.runId as string;
    await eventually('paused', async () => ((await api.http.get(`/v1/runs/${runId}`).set(bearer(KEYS.finance))).body.status === 'paused' ? true : undefined));
    const refused = await api.http.post(`/v1/runs/${runId}/resume`).set(bearer(KEYS.plain)).send({ answer: 'yes' });
    expect([refused.status, refused.body.error?.code]).toEqual([404, 'agent_not_found']);
    expect((await api.http.get(`/v1/runs/${runId}`).set(bearer(KEYS.finance))).body.status).toBe('paused');
    expect((await api.http.post(`/v1/runs/${runId}/resume`).set(bearer(KEYS.finance)).send({ answer: 'yes' })).status).toBe(202);
    expect(await runSettled(api, runId, KEYS.finance)).toMatchObject({ status: 'completed' });
  });
});
