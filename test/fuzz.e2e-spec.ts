import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { API_KEYS, bearer, KEYS, runSettled, SECRET, startApi, type Api } from './harness.js';

// A property-based fuzz run over the OpenAPI document: for every operation, generated path
// parameters, query strings, headers and bodies (valid, near-valid and garbage). The properties:
// no 5xx, no crash or unhandled rejection, every answer's headers within a bound, and /health
// answering quickly all the while.

const PER_OPERATION = 600;
const CONCURRENCY = 16;
const SEED = 20261126;

type Json = Record<string, unknown>;
interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: string; schema?: Json }>;
  body?: Json;
}
interface FuzzRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

const GARBAGE = ['', ' ', '\ud800', '\udfff', '\ufffd', '__proto__', 'constructor', 'prototype', '../../etc/passwd', '%00', '$', '+', '-', '0', '-1', '1e309', 'NaN', 'null', '[]', '{}', '*', '?', '\\', '{a}', '\u0000', '😀'];
const garbageString = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 3, arbitrary: fc.constantFrom(...GARBAGE) },
  { weight: 1, arbitrary: fc.string({ minLength: 300, maxLength: 3_000 }) },
);
/** Bodies well past every field limit, and past the 1 MB body limit. */
const hugeString = fc.constantFrom(40_000, 200_000, 1_100_000).map((n) => JSON.stringify({ message: 'x'.repeat(n) }));
/** Header values: mostly short, sometimes past what a server accepts (431). */
const headerGarbage = fc.oneof({ weight: 20, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...GARBAGE)) }, { weight: 1, arbitrary: fc.constant('h'.repeat(20_000)) });
/** JSON text nested n levels deep, within and far beyond the body bound. */
const deepJson = fc.integer({ min: 1, max: 5_000 }).chain((n) => fc.constantFrom(`${'['.repeat(n)}${']'.repeat(n)}`, `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`));
/** Things that look like JSON Schemas, hostile ones included. */
const schemaLike: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('object', 'string', 'number', 'array', 'integer', 'bogus', 12),
      pattern: fc.constantFrom('(a+)+$', '^(x+x+)+y$', '[', '\\1', '(?=a)', '^a'),
      $ref: fc.constantFrom('#', '#/definitions/a', '#/nope', 'urn:acme:secret', 'http://127.0.0.1:1/x', '#/%ZZ'),
      $id: fc.constantFrom('urn:acme:secret', 'urn:x'),
      $async: fc.boolean(),
      allOf: fc.array(fc.constantFrom({ $ref: '#' }, { type: 'string' }, { minLength: 1 }), { maxLength: 3 }),
      definitions: fc.constant({ a: { $ref: '#/definitions/a' } }),
      properties: fc.dictionary(fc.string({ maxLength: 5 }), fc.constantFrom({ type: 'string' }, { $ref: '#' }, { pattern: '(a|a)*$' }), { maxKeys: 3 }),
      required: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 4 }),
  fc.integer({ min: 1, max: 3_000 }).map((n) => ({ allOf: Array.from({ length: n }, (_, i) => ({ minLength: i })) })),
  // References fanned out over one wide definition: small text, large once expanded (the 24 KB shape is 50 x 880).
  fc.tuple(fc.integer({ min: 1, max: 900 }), fc.integer({ min: 1, max: 60 })).map(([width, refs]) => ({
    type: 'object',
    definitions: { wide: { type: 'object', properties: Object.fromEntries(Array.from({ length: width }, (_, i) => [`p${i}`, { type: 'string' }])) } },
    properties: Object.fromEntries(Array.from({ length: refs }, (_, i) => [`r${i}`, { $ref: '#/definitions/wide' }])),
  })),
);
/** A valid body plus n unknown fields: what the error message costs must not grow with n. */
const unknownFields = fc.oneof({ weight: 40, arbitrary: fc.constant(20) }, { weight: 8, arbitrary: fc.constant(2_000) }, { weight: 1, arbitrary: fc.constant(60_000) }).map((n) => JSON.stringify({ message: 'hi', ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i])) }));
/** Last-Event-IDs a stream never sent: far past its newest event, or at the edge of what parses. */
const futureEventId = fc.constantFrom('9999999999999-0', `${Date.now() + 3_600_000}-0`, '18446744073709551615-18446744073709551615', '1-99999999999999999999');

/** Valid-looking values for a JSON Schema (the request schemas are simple: objects of strings). */
function fromSchema(schema: Json | undefined, name = ''): fc.Arbitrary<unknown> {
  if (name === 'schema') return fc.oneof({ weight: 1, arbitrary: fc.constant({ type: 'object', properties: { answer: { type: 'string' } } }) }, { weight: 2, arbitrary: schemaLike });
  if (!schema) return fc.jsonValue({ maxDepth: 3 });
  switch (schema.type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Json>;
      if (!Object.keys(props).length) return fc.jsonValue({ maxDepth: 3 });
      const fields = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v, k)]));
      return fc.record(fields, { requiredKeys: ((schema.required ?? []) as string[]).filter((k) => k in props) });
    }
    case 'string':
      if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
      return fc.oneof(fc.string({ minLength: (schema.minLength as number) ?? 0, maxLength: 60 }), fc.constantFrom('please ask me something', 'what time is it', 'what did I say'));
    case 'integer':
      return fc.integer();
    case 'number':
      return fc.double();
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fromSchema(schema.items as Json), { maxLength: 3 });
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

/** Near-valid: one field dropped, retyped, or an unknown or prototype key added. */
function nearValid(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.nat(3), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('__proto__', 'constructor', 'extra', 'message', 'conversationId', 'checkpoint')).map(([v, how, value, key]) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const copy = { ...(v as Json) };
    const keys = Object.keys(copy);
    if (how === 0 && keys.length) delete copy[keys[0]];
    else if (how === 1 && keys.length) copy[keys[keys.length - 1]] = value;
    else if (how === 2) Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
    else return JSON.parse(`{"__proto__":{"polluted":true},${JSON.stringify(copy).slice(1)}`);
    return copy;
  });
}

/** Percent-encodes what can be encoded; lone surrogates become the raw bytes a client could send. */
const segment = (v: string) => {
  try {
    return encodeURIComponent(v);
  } catch {
    return v.replace(/[\ud800-\udfff]/g, '%ED%A0%80').replace(/[^\w%.-]/g, (c) => encodeURIComponent(c));
  }
};
/** What a header may carry (fetch refuses CR, LF, NUL and characters past Latin-1). */
const headerSafe = (v: string) => v.replace(/[^\x20-\x7e\xa0-\xff]/g, '');

describe('fuzz: generated requests against every OpenAPI operation', () => {
  let api: Api;
  let base: string;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  beforeAll(async () => {
    api = await startApi({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, REDIS_URL: process.env.REDIS_URL!, REDIS_KEY_PREFIX: `fuzz-${randomUUID()}:`, JOBS_BACKOFF_MS: '10' });
    await api.app.listen(0, '127.0.0.1');
    base = await api.app.getUrl();
    process.on('unhandledRejection', onRejection);
  }, 30_000);
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await api.close();
  });

  it('answers at least 10,000 generated requests with no 5xx, no crash and bounded latency, /health fast throughout', async () => {
    // Real ids and a real checkpoint to mutate, so generated requests reach past the first checks.
    const auth = bearer(KEYS.acmeAlice);
    const completed = (await api.http.post('/v1/agents/assistant/jobs').set(auth).send({ message: 'fuzz seed' })).body.runId as string;
    const paused = (await api.http.post('/v1/agents/assistant/jobs').set(auth).send({ message: 'please ask me something' })).body.runId as string;
    await runSettled(api, completed);
    await runSettled(api, paused);
    const checkpoint = (await api.http.post('/v1/agents/assistant/runs').set(auth).send({ message: 'please ask me something', conversationId: 'fuzz' })).body.checkpoint as Json;
    const mutatedCheckpoint = fc.tuple(fc.constantFrom('v', 'sig', 'body'), fc.jsonValue({ maxDepth: 3 })).map(([k, v]) => ({ ...checkpoint, [k]: v }));

    const doc = (await api.http.get('/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: Operation['params']; requestBody?: { content?: Record<string, { schema?: Json }> } }>> };
    const operations: Operation[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) operations.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema });
    }
    expect(operations.length).toBeGreaterThanOrEqual(12);

    const paramValue = (name: string): fc.Arbitrary<string> => {
      const real = name === 'runId' ? [completed, paused, randomUUID()] : name === 'agent' ? ['assistant'] : name === 'conversationId' ? ['fuzz', 'c1', 'jane.doe@example.com'] : [];
      return fc.oneof({ weight: 8, arbitrary: real.length ? fc.constantFrom(...real) : garbageString }, { weight: 2, arbitrary: garbageString }, { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%ED%A0%80', '..%2f..%2f', '%2e%2e') });
    };
    const queryValue = (p: Operation['params'][number]): fc.Arbitrary<string> =>
      fc.oneof(
        { weight: 3, arbitrary: /^(from|to)$/.test(p.name) ? fc.constantFrom('2026-02-28', '2026-02-31', '2026-13-01', '9999-12-31', '0000-01-01', '2024-02-29') : fc.constantFrom('1', '50', '100', '101', '0', '-1', '1e3', '9999999', '99999999') },
        { weight: 1, arbitrary: garbageString },
      );

    const requestFor = (op: Operation): fc.Arbitrary<FuzzRequest> => {
      const pathParams = op.params.filter((p) => p.in === 'path');
      const queryParams = op.params.filter((p) => p.in === 'query');
      const valid = op.body ? fromSchema(op.body) : fc.constant(undefined);
      const bodies: fc.Arbitrary<string | undefined> = fc.oneof(
        { weight: 8, arbitrary: valid.map((v) => (v === undefined ? undefined : JSON.stringify(v))) },
        { weight: 3, arbitrary: nearValid(valid).map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: op.path.endsWith('/runs/resume') ? fc.tuple(mutatedCheckpoint, fc.string()).map(([c, a]) => JSON.stringify({ checkpoint: c, answer: a })) : fc.constant(undefined) },
        { weight: 1, arbitrary: deepJson },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: garbageString },
        { weight: 1, arbitrary: hugeString },
        { weight: 1, arbitrary: unknownFields },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      return fc
        .record({
          params: fc.tuple(...pathParams.map((p) => paramValue(p.name))),
          query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...queryParams.map((p) => p.name), '__proto__', 'limit', 'extra'), fc.string({ maxLength: 8 })), fc.oneof(...(queryParams.length ? queryParams.map(queryValue) : [garbageString]))), { maxLength: 3 }),
          auth: fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom(`Bearer ${KEYS.acmeAlice}`, `Bearer ${KEYS.globexAlice}`) },
            { weight: 2, arbitrary: fc.constantFrom('Bearer ', 'Bearer wrong-key-123', 'Basic abc', undefined, `Bearer ${'k'.repeat(5_000)}`) },
          ),
          contentType: fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', undefined) }),
          encoding: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('gzip', 'br', 'identity') }),
          extra: fc.record({ 'last-event-id': fc.oneof({ weight: 3, arbitrary: headerGarbage.map(headerSafe) }, { weight: 1, arbitrary: futureEventId }), 'idempotency-key': headerGarbage.map(headerSafe), traceparent: headerGarbage.map(headerSafe) }, { requiredKeys: [] }),
          body: bodies,
        })
        .map(({ params, query, auth: authorization, contentType, encoding, extra, body }) => {
          let path = op.path;
          pathParams.forEach((p, i) => (path = path.replace(`{${p.name}}`, segment(params[i]))));
          const qs = query.map(([k, v]) => `${segment(k)}=${segment(v)}`).join('&');
          const headers: Record<string, string> = { ...extra };
          if (authorization) headers.authorization = authorization;
          if (contentType && body !== undefined) headers['content-type'] = contentType;
          if (encoding && body !== undefined) headers['content-encoding'] = encoding;
          return { url: `${base}${path}${qs ? `?${qs}` : ''}`, method: op.method, headers, body: op.method === 'GET' || op.method === 'HEAD' ? undefined : body };
        });
    };

    const requests = operations.flatMap((op, i) => fc.sample(requestFor(op), { numRuns: PER_OPERATION, seed: SEED + i }).map((r) => ({ ...r, op: `${op.method} ${op.path}` })));
    const byClass: Record<string, number> = {};
    const byOperation: Record<string, Record<string, number>> = {};
    const fiveHundreds: string[] = [];
    let slowest = 0;
    let largestError = 0;

    // /health is probed all along; it must stay up and quick.
    let fuzzing = true;
    const healthTimes: number[] = [];
    const probing = (async () => {
      while (fuzzing) {
        const t = performance.now();
        const res = await fetch(`${base}/health`);
        await res.text();
        healthTimes.push(performance.now() - t);
        expect(res.status).toBe(200);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const r = requests[next++];
        const t = performance.now();
        const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body, signal: AbortSignal.timeout(15_000) });
        slowest = Math.max(slowest, performance.now() - t);
        // A live event stream stays open by design: its headers are the answer.
        let code = '';
        if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) await res.body?.cancel();
        else {
          const text = await res.text();
          code = /"code":"(\w+)"/.exec(text)?.[1] ?? '';
          // An error says what is wrong in a few lines, however much was sent.
          if (res.status >= 400) largestError = Math.max(largestError, Buffer.byteLength(text));
        }
        const cls = `${Math.floor(res.status / 100)}xx`;
        byClass[cls] = (byClass[cls] ?? 0) + 1;
        const outcome = code ? `${res.status} ${code}` : String(res.status);
        (byOperation[r.op] ??= {})[outcome] = (byOperation[r.op][outcome] ?? 0) + 1;
        if (res.status >= 500) fiveHundreds.push(`${res.status} ${r.method} ${r.url.slice(0, 200)} ${JSON.stringify(r.headers).slice(0, 200)} ${(r.body ?? '').slice(0, 200)}`);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    fuzzing = false;
    await probing;
    const seconds = (performance.now() - started) / 1000;

    const sortedHealth = [...healthTimes].sort((a, b) => a - b);
    // The figures go into the issue note.
    console.log(
      `fuzz: ${requests.length} requests over ${operations.length} operations in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(byClass)}; ` +
        `slowest answer ${slowest.toFixed(0)} ms; largest error body ${largestError} bytes; /health ${healthTimes.length} probes, p50 ${sortedHealth[Math.floor(sortedHealth.length / 2)]?.toFixed(1)} ms, max ${sortedHealth.at(-1)?.toFixed(1)} ms; ` +
        `unhandled rejections ${rejections.length}\n${Object.entries(byOperation).map(([op, s]) => `  ${op}: ${JSON.stringify(s)}`).join('\n')}`,
    );
    expect(requests.length).toBeGreaterThanOrEqual(10_000);
    expect(fiveHundreds).toEqual([]);
    expect(rejections).toEqual([]);
    // Bounds that only a hang or a frozen event loop can break (typical answers take milliseconds).
    expect(slowest).toBeLessThan(10_000);
    expect(largestError).toBeLessThan(4_096);
    expect(sortedHealth.at(-1)!).toBeLessThan(3_000);
    expect((await api.http.get('/health')).status).toBe(200);
  }, 240_000);
});
