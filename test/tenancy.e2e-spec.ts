import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bearer, KEYS, startApi, type Api } from './harness.js';

describe('tenant isolation over HTTP', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const run = (key: string, message: string, conversationId: string) => api.http.post('/v1/agents/assistant/runs').set(bearer(key)).send({ message, conversationId });
  const history = async (key: string, conversationId: string) => (await api.http.get(`/v1/conversations/${conversationId}/messages`).set(bearer(key))).body.messages as Array<{ content: string }>;
  const resume = (key: string, checkpoint: unknown, answer = 'yes') => api.http.post('/v1/agents/assistant/runs/resume').set(bearer(key)).send({ checkpoint, answer });

  it('two tenants using the same conversationId see only their own history', async () => {
    await run(KEYS.acmeAlice, 'acme secret plan', 'shared');
    await run(KEYS.globexAlice, 'globex secret plan', 'shared');
    expect((await run(KEYS.acmeAlice, 'what did I say?', 'shared')).body.text).toBe('You said: acme secret plan');
    expect((await run(KEYS.globexAlice, 'what did I say?', 'shared')).body.text).toBe('You said: globex secret plan');
    const acme = (await history(KEYS.acmeAlice, 'shared')).map((m) => m.content).join('\n');
    const globex = (await history(KEYS.globexAlice, 'shared')).map((m) => m.content).join('\n');
    expect(acme).toContain('acme secret plan');
    expect(acme).not.toContain('globex');
    expect(globex).toContain('globex secret plan');
    expect(globex).not.toContain('acme');
  });

  it('principals of one tenant do not share conversations either', async () => {
    await run(KEYS.acmeAlice, 'alice only', 'per-principal');
    expect(await history(KEYS.acmeBob, 'per-principal')).toEqual([]);
    expect((await run(KEYS.acmeBob, 'what did I say?', 'per-principal')).body.text).toBe('You have not said anything before in this conversation.');
  });

  it("another tenant's conversation reads as empty, exactly like an unknown one", async () => {
    await run(KEYS.acmeAlice, 'hidden', 'probe-me');
    const foreign = await api.http.get('/v1/conversations/probe-me/messages').set(bearer(KEYS.globexAlice));
    const unknown = await api.http.get('/v1/conversations/never-used/messages').set(bearer(KEYS.globexAlice));
    expect(foreign.status).toBe(unknown.status);
    expect(foreign.body.messages).toEqual(unknown.body.messages);
  });

  it("a checkpoint from one tenant cannot be resumed by another, nor by another principal, and nothing is written", async () => {
    const paused = await run(KEYS.acmeAlice, 'ask me anything', 'paused-conv');
    expect(paused.body.status).toBe('paused');
    const { checkpoint } = paused.body;

    const byGlobex = await resume(KEYS.globexAlice, checkpoint);
    expect(byGlobex.status).toBe(403);
    expect(byGlobex.body.error.code).toBe('checkpoint_identity_mismatch');
    const byBob = await resume(KEYS.acmeBob, checkpoint);
    expect(byBob.status).toBe(403);

    // Editing the checkpoint to name the other tenant breaks the signature.
    const forged = structuredClone(checkpoint);
    forged.body.identity.tenant = 'globex';
    const byForgery = await resume(KEYS.globexAlice, forged);
    expect(byForgery.status).toBe(400);
    expect(byForgery.body.error.code).toBe('checkpoint_invalid');

    expect(await history(KEYS.acmeAlice, 'paused-conv')).toEqual([]);
    expect(await history(KEYS.globexAlice, 'paused-conv')).toEqual([]);
    expect(await history(KEYS.acmeBob, 'paused-conv')).toEqual([]);

    const byOwner = await resume(KEYS.acmeAlice, checkpoint, 'fine');
    expect(byOwner.body.text).toBe('You answered: fine');
    expect((await history(KEYS.acmeAlice, 'paused-conv')).length).toBe(4);
    expect(await history(KEYS.globexAlice, 'paused-conv')).toEqual([]);
  });

  it('a checkpoint signed by another deployment (other CHECKPOINT_SECRET) is refused', async () => {
    const other = await startApi({ API_KEYS: `${KEYS.acmeAlice}=acme/alice`, CHECKPOINT_SECRET: 'another-deployment-secret-0123456789', NODE_ENV: 'test' });
    try {
      const paused = await other.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'ask me' });
      const res = await resume(KEYS.acmeAlice, paused.body.checkpoint);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('checkpoint_invalid');
    } finally {
      await other.close();
    }
  });
});
