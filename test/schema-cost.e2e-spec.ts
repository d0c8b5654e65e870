import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { startRedis } from './redis-server.js';
import { API_KEYS, bearer, KEYS, SECRET, startApi, type Api } from './harness.js';

type RedisServer = Awaited<ReturnType<typeof startRedis>>;

// Issue 31: a 24 KB schema within every size limit froze the whole service for 13 s (Ajv copied
// 50 references to an 880-property definition in place). Schemas that cost more to compile than
// their size says must be refused before compiling, on both endpoints, while the service keeps answering.
const props = (n: number, leaf: (i: number) => object = () => ({ type: 'string' })) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, leaf(i)]));
const refs = (n: number, ref: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`r${i}`, { $ref: ref }]));
const doublings = (k: number) => {
  const definitions: Record<string, object> = { [`d${k}`]: { type: 'string' } };
  for (let i = 0; i < k; i++) definitions[`d${i}`] = { allOf: [{ $ref: `#/definitions/d${i + 1}` }, { $ref: `#/definitions/d${i + 1}` }] };
  return { type: 'object', properties: { answer: { $ref: '#/definitions/d0' } }, definitions };
};

const HOSTILE: Array<[string, object]> = [
  ['issue 31: 50 references to 880 properties', { type: 'object', definitions: { big: { type: 'object', properties: props(880) } }, properties: refs(50, '#/definitions/big') }],
  ['a chain of 40 definitions each referencing the next twice', doublings(40)],
  ['references to a definition that references another 30 times', { type: 'object', definitions: { a: { type: 'object', properties: refs(30, '#/definitions/b') }, b: { type: 'object', properties: props(60) } }, properties: refs(30, '#/definitions/a') }],
  ['a 30 KB property name over 900 properties', { type: 'object', properties: { ['x'.repeat(30_000)]: { type: 'object', properties: props(900) } } }],
  ['patterns of a thousand instructions from seven characters', { type: 'object', properties: props(20, (i) => ({ type: 'string', pattern: `${String.fromCharCode(97 + i)}{1000}` })) }],
];

const expectError = (res: Response, status: number, code: string) => expect([res.status, res.body?.error?.code]).toEqual([status, code]);

describe('schemas that cost more to compile than their size says', () => {
  let redis: RedisServer;
  let api: Api;
  beforeAll(async () => {
    redis = await startRedis();
    api = await startApi({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'schema-cost:', JOBS_BACKOFF_MS: '10' });
  }, 30_000);
  afterAll(async () => {
    await api.close();
    await redis.stop();
  });

  const as = bearer(KEYS.acmeAlice);
  const run = (schema: object) => api.http.post('/v1/agents/assistant/runs').set(as).send({ message: 'x', responseFormat: { schema } });
  const queue = (schema: object) => api.http.post('/v1/agents/assistant/jobs').set(as).send({ message: 'x', responseFormat: { schema } });

  it('refuses each with 400 invalid_output_schema on /runs and /jobs while /health keeps answering', async () => {
    for (const [, schema] of HOSTILE) expect(JSON.stringify(schema).length).toBeLessThan(64 * 1024);
    const health = () => api.http.get('/health');
    const answers = await Promise.all([health(), ...HOSTILE.flatMap(([, schema]) => [run(schema), health(), queue(schema)]), health()]);
    const [first, ...rest] = answers;
    const last = rest.pop()!;
    for (const res of [first, last]) expect(res.status).toBe(200);
    for (let i = 0; i < HOSTILE.length; i++) {
      const [name] = HOSTILE[i];
      const [sync, probe, queued] = rest.slice(3 * i, 3 * i + 3);
      expect({ name, status: probe.status }).toEqual({ name, status: 200 });
      expectError(sync, 400, 'invalid_output_schema');
      expectError(queued, 400, 'invalid_output_schema');
      expect({ name, message: sync.body.error.message }).toEqual({ name, message: expect.stringMatching(/^output schema refused: it (expands to [\d,]+ schema nodes through \$ref|has [\d,]+ schema nodes)|property names|patterns compile/) });
    }
    expect(rest[0].body.error.message).toBe('output schema refused: it expands to 44,152 schema nodes through $ref, over the limit of 500');
  });

  it('still compiles and serves an ordinary schema with references, sync and queued', async () => {
    const schema = { type: 'object', definitions: { text: { type: 'string', minLength: 1 } }, properties: { answer: { $ref: '#/definitions/text' } }, required: ['answer'] };
    const sync = await run(schema);
    expect([sync.status, sync.body.output]).toEqual([200, { answer: 'You said: x' }]);
    const queued = await queue(schema);
    expect([queued.status, queued.body.status]).toEqual([202, 'queued']);
  });
});
