import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bearer, KEYS, startApi, type Api } from './harness.js';

describe('API errors: stable codes, never a 500 for a client mistake', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const post = (path: string, body: unknown, key: string | null = KEYS.acmeAlice) => {
    const req = api.http.post(path);
    if (key) req.set(bearer(key));
    return typeof body === 'string' ? req.set('Content-Type', 'application/json').send(body) : req.send(body as object);
  };
  const expectError = (res: { status: number; body: unknown }, status: number, code: string) => {
    expect({ status: res.status, code: (res.body as { error?: { code?: string } }).error?.code }).toEqual({ status, code });
    expect(typeof (res.body as { error: { message: unknown } }).error.message).toBe('string');
  };

  it.each([
    ['message missing', {}],
    ['message not a string', { message: 42 }],
    ['message empty', { message: '' }],
    ['message over 32,000 characters', { message: 'x'.repeat(32_001) }],
    ['unknown field', { message: 'hi', extra: true }],
    ['conversationId not a string', { message: 'hi', conversationId: 7 }],
    ['conversationId too long', { message: 'hi', conversationId: 'c'.repeat(257) }],
    ['body is an array', [{ message: 'hi' }]],
  ])('400 invalid_body: %s', async (_name, body) => {
    expectError(await post('/v1/agents/assistant/runs', body), 400, 'invalid_body');
  });

  it('answers a body of 60,000 unknown fields with a short message, and names at most ten problems', async () => {
    const flood: Record<string, unknown> = { message: 'hi' };
    for (let i = 0; i < 60_000; i++) flood[`f${i}`] = 1;
    const res = await post('/v1/agents/assistant/runs', flood);
    expectError(res, 400, 'invalid_body');
    expect(Buffer.byteLength(JSON.stringify(res.body))).toBeLessThan(2_000);
    const some: Record<string, unknown> = { message: 'hi' };
    for (let i = 0; i < 15; i++) some[`extra${i}`] = i;
    some['n'.repeat(5_000)] = 1;
    const listed = await post('/v1/agents/assistant/runs', some);
    expect(listed.body.error.message).toMatch(/; and 6 more$/);
    expect(listed.body.error.message.length).toBeLessThan(1_500);
  });

  it('names the offending field', async () => {
    const res = await post('/v1/agents/assistant/runs', { message: 'hi', sneaky: 1 });
    expect(res.body.error.message).toContain('"sneaky"');
    const missing = await post('/v1/agents/assistant/runs', {});
    expect(missing.body.error.message).toContain('message');
  });

  it('400 invalid_json for malformed JSON', async () => {
    expectError(await post('/v1/agents/assistant/runs', '{"message": "unterminated'), 400, 'invalid_json');
  });

  it('400 invalid_body when the body is not JSON at all', async () => {
    const res = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).set('Content-Type', 'text/plain').send('hello');
    expectError(res, 400, 'invalid_body');
  });

  it('413 payload_too_large over 1 MB, before any other check', async () => {
    const big = JSON.stringify({ message: 'x'.repeat(1_100_000) });
    expectError(await post('/v1/agents/assistant/runs', big), 413, 'payload_too_large');
  });

  it.each([
    ['no header', null],
    ['unknown key', 'not-a-key'],
    ['the dev key when API_KEYS is set', 'dev-key'],
  ])('401 unauthorized: %s', async (_name, key) => {
    expectError(await post('/v1/agents/assistant/runs', { message: 'hi' }, key), 401, 'unauthorized');
    const get = api.http.get('/v1/agents');
    expectError(await (key ? get.set(bearer(key)) : get), 401, 'unauthorized');
  });

  it('401 for a malformed Authorization header', async () => {
    for (const header of ['Basic abc', `Bearer`, `Bearer ${KEYS.acmeAlice} extra`, KEYS.acmeAlice]) {
      const res = await api.http.get('/v1/agents').set('Authorization', header);
      expectError(res, 401, 'unauthorized');
    }
  });

  it('404 agent_not_found for an unknown agent, on run and resume', async () => {
    expectError(await post('/v1/agents/nobody/runs', { message: 'hi' }), 404, 'agent_not_found');
    expectError(await post('/v1/agents/nobody/runs/resume', { checkpoint: {}, answer: 'x' }), 404, 'agent_not_found');
  });

  it('404 not_found for an unknown route', async () => {
    expectError(await api.http.get('/v1/nothing-here').set(bearer(KEYS.acmeAlice)), 404, 'not_found');
  });

  it.each([
    ['missing checkpoint', { answer: 'x' }, 'invalid_body'],
    ['answer not a string', { checkpoint: {}, answer: 5 }, 'invalid_body'],
    ['unknown field', { checkpoint: {}, answer: 'x', extra: 1 }, 'invalid_body'],
    ['checkpoint not a checkpoint', { checkpoint: { hello: 'world' }, answer: 'x' }, 'checkpoint_invalid'],
    ['checkpoint with a forged signature', { checkpoint: { v: 1, body: { agent: 'assistant' }, sig: 'AAAA' }, answer: 'x' }, 'checkpoint_invalid'],
  ])('400 on resume: %s', async (_name, body, code) => {
    expectError(await post('/v1/agents/assistant/runs/resume', body), 400, code);
  });

  it.each(['0', '-1', 'abc', '1001', '1.5'])('400 invalid_query for history limit=%s', async (limit) => {
    expectError(await api.http.get(`/v1/conversations/c/messages?limit=${limit}`).set(bearer(KEYS.acmeAlice)), 400, 'invalid_query');
  });

  it('400 invalid_identity for a conversation id over 256 characters', async () => {
    expectError(await api.http.get(`/v1/conversations/${'c'.repeat(300)}/messages`).set(bearer(KEYS.acmeAlice)), 400, 'invalid_identity');
  });
});

describe('the error codes page', () => {
  it('lists every library code with the status the service answers, and nothing the service does not answer', async () => {
    const { readFileSync } = await import('node:fs');
    const { ERROR_STATUS } = await import('@agentnest/agent/nest');
    const page = readFileSync(new URL('../docs/reference/error-codes.md', import.meta.url), 'utf8');
    const table = page.slice(page.indexOf('| status | code | when |'));
    const documented = new Map([...table.matchAll(/^\| (\d{3}) \| `(\w+)` \|/gm)].map((m) => [m[2], Number(m[1])]));
    for (const [code, status] of Object.entries(ERROR_STATUS)) expect([code, documented.get(code)]).toEqual([code, status]);
    // Codes raised by the HTTP layer itself (ApiError, body parsing, the auth guard, unknown routes).
    const httpLayer = ['approval_not_found', 'bad_request', 'invalid_json', 'invalid_body', 'invalid_query', 'invalid_header', 'invalid_range', 'unauthorized', 'not_found', 'run_not_found', 'payload_too_large', 'request_timeout', 'unsupported_media_type', 'internal_error'];
    for (const code of documented.keys()) expect([code, code in ERROR_STATUS || httpLayer.includes(code)]).toEqual([code, true]);
    // The "raised by" column says which codes a library user can get: exactly those in ERROR_STATUS.
    const raisedBy = new Map([...table.matchAll(/^\| \d{3} \| `(\w+)` \|.*\| ([^|]+) \|$/gm)].map((m) => [m[1], m[2]]));
    for (const code of documented.keys()) expect([code, raisedBy.get(code)]).toEqual([code, code in ERROR_STATUS ? 'libraries and the service' : 'the reference service']);
  });
});
