import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { bearer, runSettled, SECRET, startApi, type Api } from './harness.js';

// Roles come from the API key mapping; the demo assistant's tools are governed by TOOL_POLICY.
const KEYS = { keeper: 'key-acme-keeper', plain: 'key-acme-plain', globex: 'key-globex-keeper' };
const API_KEYS = `${KEYS.keeper}=acme/kim:timekeeper+viewer,${KEYS.plain}=acme/pat,${KEYS.globex}=globex/gus:timekeeper`;
const TOOL_POLICY = JSON.stringify({
  defaultDeny: true,
  rules: [
    { id: 'clock-for-timekeepers', effect: 'allow', tools: ['clock'], roles: ['timekeeper'] },
    { id: 'ask-anyone', effect: 'allow', tools: ['ask*'] },
    { id: 'globex-no-clock', effect: 'deny', tools: ['clock'], tenants: ['globex'] },
  ],
});

describe('tool policy over HTTP', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, TOOL_POLICY, REDIS_URL: process.env.REDIS_URL!, REDIS_KEY_PREFIX: `policy-${randomUUID()}:` });
  });
  afterAll(() => api.close());
  const run = (key: string, message: string) => api.http.post('/v1/agents/assistant/runs').set(bearer(key)).send({ message });
  const tools = async (key: string) => (await api.http.get('/v1/agents').set(bearer(key))).body.agents[0].tools.map((t: { name: string }) => t.name);

  it('lists only the tools the caller may use', async () => {
    expect(await tools(KEYS.keeper)).toEqual(['clock', 'askHuman']);
    expect(await tools(KEYS.plain)).toEqual(['askHuman']);
    expect(await tools(KEYS.globex)).toEqual(['askHuman']);
  });

  it('runs an allowed tool; a denied call never runs, the model explains, the narrative shows the audit', async () => {
    const allowed = await run(KEYS.keeper, 'what time is it?');
    expect(allowed.body.text).toMatch(/^The time is \d/);
    expect(allowed.body.narrative.join('\n')).toMatch(/Tool clock returned/);

    for (const [key, rule, who] of [
      [KEYS.plain, 'default-deny', 'tenant acme, principal pat'],
      [KEYS.globex, 'globex-no-clock', 'tenant globex, principal gus'],
    ]) {
      const denied = await run(key, 'what time is it?');
      expect(denied.status).toBe(200);
      expect(denied.body.text).toMatch(new RegExp(`^Sorry, I could not use clock\\. you are not allowed .*${rule}`));
      const narrative = denied.body.narrative.join('\n');
      expect(narrative).toContain(`Tool clock refused by policy rule ${rule} (${who})`);
      expect(narrative).not.toMatch(/Tool clock returned/);
    }
  });

  it('decides the same for a queued run: the caller and its roles travel with the job', async () => {
    const queue = async (key: string) => (await api.http.post('/v1/agents/assistant/jobs').set(bearer(key)).send({ message: 'what time is it?' })).body.runId as string;
    const [kim, pat] = [await queue(KEYS.keeper), await queue(KEYS.plain)];
    expect(await runSettled(api, kim, KEYS.keeper)).toMatchObject({ status: 'completed', text: expect.stringMatching(/^The time is \d/) });
    expect(await runSettled(api, pat, KEYS.plain)).toMatchObject({ status: 'completed', text: expect.stringMatching(/^Sorry, I could not use clock\. you are not allowed .*default-deny/) });
  });
});
