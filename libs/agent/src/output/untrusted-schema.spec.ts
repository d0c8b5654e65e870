import { describe, expect, it } from '@jest/globals';
import { InvalidOutputSchemaError } from '../errors/agent.errors.js';
import { compileUntrustedSchema } from './untrusted-schema.js';

const refused = (schema: unknown, reason: RegExp) => {
  expect(() => compileUntrustedSchema(schema)).toThrow(InvalidOutputSchemaError);
  expect(() => compileUntrustedSchema(schema)).toThrow(reason);
};

const nested = (levels: number, leaf: unknown = { type: 'string' }): unknown => {
  let schema = leaf;
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { a: schema } };
  return schema;
};

describe('compileUntrustedSchema (schemas from requests)', () => {
  it('compiles an ordinary schema and validates with it', () => {
    const s = compileUntrustedSchema({ type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'] });
    expect(s.validate({ n: 2 })).toEqual({ ok: true, value: { n: 2 } });
    expect(s.validate({ n: 0 })).toMatchObject({ ok: false, errors: [expect.stringContaining('/n')] });
  });

  it('refuses $async, whose validator would answer a promise and reject later', () => {
    refused({ $async: true, type: 'object' }, /\$async/);
    refused({ type: 'object', properties: { a: { $async: true, type: 'string' } } }, /\$async/);
    // A property that happens to be named $async is just a name.
    expect(compileUntrustedSchema({ type: 'object', properties: { $async: { type: 'string' } } }).validate({ $async: 'x' }).ok).toBe(true);
  });

  it('runs patterns on a linear-time engine: (a+)+$ against 30 a and a b answers at once', () => {
    const s = compileUntrustedSchema({ type: 'object', properties: { p: { type: 'string', pattern: '(a+)+$' } }, patternProperties: { '^(x+x+)+y$': { type: 'number' } } });
    const hostile = `${'a'.repeat(30)}!`;
    // A backtracking engine takes seconds here; the bound below is only there to catch a regression to one.
    const started = performance.now();
    expect(s.validate({ p: hostile }).ok).toBe(false);
    expect(s.validate({ p: 'aaaa' }).ok).toBe(true);
    expect(s.validate({ [`${'x'.repeat(30)}`]: 'not a number' }).ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
    // RE2 has no backreferences or lookaround: such patterns make the schema invalid.
    refused({ type: 'string', pattern: '(a)\\1' }, /output schema refused/);
    refused({ type: 'string', pattern: '(?=a)a' }, /output schema refused/);
  });

  it('checks each pattern of a schema with its own expression (they all used the first one)', () => {
    const s = compileUntrustedSchema({ type: 'object', properties: { a: { type: 'string', pattern: '^a$' }, b: { type: 'string', pattern: '^b$' } }, patternProperties: { '^x-': { pattern: '^x$' } } });
    expect(s.validate({ a: 'a', b: 'b', 'x-1': 'x' }).ok).toBe(true);
    expect(s.validate({ b: 'a' }).ok).toBe(false);
    expect(s.validate({ 'x-1': 'a' }).ok).toBe(false);
  });

  it('bounds size, depth and object count before compiling', () => {
    refused({ type: 'object', description: 'x'.repeat(70_000) }, /larger than 65536 bytes/);
    refused(nested(40), /deeper than 32/);
    refused(nested(4_200), /deeper than 32/);
    refused({ allOf: Array.from({ length: 1_200 }, () => ({ type: 'string' })) }, /more than 1000 objects/);
    // A megabyte of allOf never reaches the compiler.
    refused({ allOf: Array.from({ length: 20_000 }, (_, i) => ({ minLength: i })) }, /more than 1000 objects/);
    expect(() => compileUntrustedSchema(nested(10))).not.toThrow();
  });

  it('bounds what compiling would cost, measured from the text before compiling', () => {
    const props = (n: number, leaf: () => object = () => ({ type: 'string' })) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, leaf()]));
    // 600 properties are 602 schema nodes: fewer than 1,000 objects, more than the compiler is given.
    refused({ type: 'object', properties: props(600) }, /it has 602 schema nodes, over the limit of 500/);
    // Keywords count, not objects: forty subschemas of fifteen keywords each.
    const busy = () => ({ type: 'string', minLength: 1, maxLength: 9, minimum: 0, maximum: 9, multipleOf: 1, minItems: 0, maxItems: 3, uniqueItems: true, minProperties: 0, maxProperties: 3, required: ['a'], enum: ['a'], const: 'a', not: true });
    refused({ type: 'object', properties: props(40, busy) }, /schema nodes, over the limit of 500/);
    // A 30 KB property name is written into the path of every subschema below it.
    refused({ type: 'object', properties: { ['x'.repeat(30_000)]: { type: 'object', properties: props(100) } } }, /property names.*over the limit of 1,048,576/);
    // Seven characters that compile to a thousand instructions, three times.
    refused({ type: 'object', properties: { a: { pattern: 'a{1000}' }, b: { pattern: 'b{1000}' }, c: { pattern: 'c{1000}' } } }, /patterns compile to about [\d,]+ RE2 instructions, over the limit of 2,000/);
    expect(() => compileUntrustedSchema({ type: 'object', properties: props(400) })).not.toThrow();
    // Each limit can be replaced.
    expect(() => compileUntrustedSchema({ type: 'object', properties: props(600) }, { maxExpandedNodes: 1_000 })).not.toThrow();
  });

  it('resolves only local references and keeps each schema in its own compiler', () => {
    const secret = { $id: 'urn:acme:secret', type: 'object', properties: { code: { const: 'acme-only' } } };
    expect(compileUntrustedSchema(secret).validate({ code: 'acme-only' }).ok).toBe(true);
    // Another caller can neither reach it by its $id nor claim the $id for a different schema.
    refused({ $ref: 'urn:acme:secret' }, /only local references/);
    refused({ $ref: 'https://example.com/schema.json' }, /only local references/);
    const rival = compileUntrustedSchema({ $id: 'urn:acme:secret', type: 'string' });
    expect(rival.validate('x').ok).toBe(true);
    expect(compileUntrustedSchema({ ...secret, title: 'again' }).validate({ code: 'acme-only' }).ok).toBe(true);
    refused({ type: 'object', properties: { a: { $id: 'urn:inner', type: 'string' } } }, /only at the root/);
    refused({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string' }, /draft-07/);
    refused({ $ref: '#/definitions/missing' }, /points at no schema/);
  });

  it('refuses references that loop on the same value, and allows recursion that descends into it', () => {
    refused({ allOf: [{ $ref: '#' }] }, /references itself/);
    refused({ definitions: { a: { $ref: '#/definitions/b' }, b: { anyOf: [{ $ref: '#/definitions/a' }] } }, $ref: '#/definitions/a' }, /references itself/);
    refused({ if: { type: 'object' }, then: { not: { $ref: '#' } } }, /references itself/);
    const tree = compileUntrustedSchema({ type: 'object', properties: { v: { type: 'number' }, children: { type: 'array', items: { $ref: '#' } } }, required: ['v'] });
    expect(tree.validate({ v: 1, children: [{ v: 2, children: [] }] }).ok).toBe(true);
    expect(tree.validate({ v: 1, children: [{ children: [] }] }).ok).toBe(false);
    // A value deep enough to exhaust the stack under a recursive schema is invalid, not a crash.
    let deep: unknown = { v: 0 };
    for (let i = 0; i < 50_000; i++) deep = { v: i, children: [deep] };
    expect(tree.validate(deep)).toMatchObject({ ok: false });
  });

  it('refuses what is not a schema object', () => {
    for (const bad of [null, 'string', 42, [], true]) refused(bad, /JSON object/);
    refused({ type: 12 }, /output schema refused/);
  });
});
