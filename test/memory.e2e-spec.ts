import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from '@jest/globals';
import { AgentCoreFake } from '@agentnest/memory/testing';
import { API_KEYS, bearer, createDatabase, KEYS, SECRET, startApi, type Api } from './harness.js';

const agentcore = new AgentCoreFake('mem-e2e', 'AKIDE2E');
beforeAll(() => agentcore.start());
afterAll(() => agentcore.close());

const GLOBEX_BOB = 'key-globex-bob';

describe.each([
  ['redis', async () => ({ MEMORY_STORE: 'redis', REDIS_URL: process.env.REDIS_URL!, REDIS_KEY_PREFIX: `e2e-mem-${randomUUID()}:` })],
  // Everything on the test run's real 6-node cluster: memory, queue, ledgers, checkpoints, erasure across masters.
  ['redis cluster', async () => ({ MEMORY_STORE: 'redis', REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES!, REDIS_KEY_PREFIX: `e2e-mem-cluster-${randomUUID()}:` })],
  ['postgres', async () => ({ MEMORY_STORE: 'postgres', DATABASE_URL: await createDatabase(), DATABASE_MIGRATE: 'true' })],
  [
    'agentcore',
    async () => {
      agentcore.memories.set('mem-e2e', []);
      return { MEMORY_STORE: 'agentcore', AGENTCORE_MEMORY_ID: 'mem-e2e', AWS_REGION: 'us-east-1', AGENTCORE_ENDPOINT: agentcore.origin, AWS_ACCESS_KEY_ID: 'AKIDE2E', AWS_SECRET_ACCESS_KEY: 'e2e-secret' };
    },
  ],
])('memory over HTTP on %s', (store, storeEnv) => {
  async function boot(): Promise<Api> {
    return startApi({ NODE_ENV: 'test', API_KEYS: `${API_KEYS},${GLOBEX_BOB}=globex/bob`, CHECKPOINT_SECRET: SECRET, ...(await storeEnv()) });
  }
  const say = (api: Api, key: string, conversationId: string, message = `hello from ${key}`) =>
    api.http.post('/v1/agents/assistant/runs').set(bearer(key)).send({ message, conversationId });
  const count = async (api: Api, key: string, conversationId: string) => (await api.http.get(`/v1/conversations/${conversationId}/messages`).set(bearer(key))).body.messages.length as number;

  it('keeps conversations across instances, reports the store to /health, and deletes only what the caller owns', async () => {
    const env = await storeEnv();
    const start = () => startApi({ NODE_ENV: 'test', API_KEYS: `${API_KEYS},${GLOBEX_BOB}=globex/bob`, CHECKPOINT_SECRET: SECRET, ...env });
    const a = await start();
    const b = await start();
    try {
      const health = await a.http.get('/health');
      expect(health.body.info.memory).toEqual({ status: 'up', store: store.split(' ')[0] });

      await say(a, KEYS.acmeAlice, 'c1', 'my favourite colour is green');
      // Another instance serves the same conversation: the memory is outside the process.
      expect((await say(b, KEYS.acmeAlice, 'c1', 'what did I say?')).body.text).toBe('You said: my favourite colour is green');
      await say(a, KEYS.acmeAlice, 'c2');
      await say(a, KEYS.acmeBob, 'c1');
      await say(a, KEYS.globexAlice, 'c1');
      await say(a, GLOBEX_BOB, 'c1');

      const del = await a.http.delete('/v1/conversations/c1').set(bearer(KEYS.acmeAlice));
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ conversationId: 'c1', runsRemoved: 0, checkpointsRevoked: true });
      expect(await count(a, KEYS.acmeAlice, 'c1')).toBe(0);
      expect(await count(a, KEYS.acmeAlice, 'c2')).toBe(2);
      expect(await count(a, KEYS.acmeBob, 'c1')).toBe(2);
      expect(await count(a, KEYS.globexAlice, 'c1')).toBe(2);

      const forget = await b.http.delete('/v1/memory').set(bearer(KEYS.acmeAlice));
      expect(forget.status).toBe(200);
      expect(forget.body).toEqual({ conversationsRemoved: 1, runsRemoved: 0, checkpointsRevoked: true });
      expect(await count(a, KEYS.acmeAlice, 'c2')).toBe(0);
      expect(await count(a, KEYS.acmeBob, 'c1')).toBe(2);
      expect(await count(a, KEYS.globexAlice, 'c1')).toBe(2);
      expect(await count(a, GLOBEX_BOB, 'c1')).toBe(2);

      // A tenant with the same principal name forgetting itself leaves acme untouched too.
      expect((await a.http.delete('/v1/memory').set(bearer(KEYS.globexAlice))).body).toMatchObject({ conversationsRemoved: 1 });
      expect(await count(a, KEYS.acmeBob, 'c1')).toBe(2);
      expect(await count(a, GLOBEX_BOB, 'c1')).toBe(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('needs an API key to delete', async () => {
    const api = await boot();
    try {
      expect((await api.http.delete('/v1/memory')).status).toBe(401);
      expect((await api.http.delete('/v1/conversations/c1')).status).toBe(401);
    } finally {
      await api.close();
    }
  });
});
