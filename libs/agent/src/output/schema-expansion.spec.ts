import { describe, expect, it } from '@jest/globals';
import { measureExpansion } from './schema-expansion.js';

const props = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, { type: 'string' }]));

describe('measureExpansion (what Ajv would compile, every $ref expanded)', () => {
  it('counts the keywords that compile to code, annotations aside', () => {
    const schema = { type: 'object', title: 'x', description: 'y', properties: { a: { type: 'string', minLength: 1 }, b: true }, required: ['a'] };
    expect(measureExpansion(schema)).toMatchObject({ nodes: 6, throughRefs: false });
    // An array-form dependency writes one check per property it names.
    expect(measureExpansion({ dependencies: { a: ['b', 'c', 'd'] } }).nodes).toBe(4);
  });

  it("counts issue 31's schema as what it expands to: 50 references to 880 properties", () => {
    const schema = { type: 'object', definitions: { big: { type: 'object', properties: props(880) } }, properties: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`r${i}`, { $ref: '#/definitions/big' }])) };
    expect(measureExpansion(schema)).toMatchObject({ nodes: 2 + 50 * (1 + 882), throughRefs: true });
  });

  it('measures fan-out past any number without expanding it: 2^60 from a chain of 60 definitions', () => {
    const definitions: Record<string, unknown> = { d60: { type: 'string' } };
    for (let i = 0; i < 60; i++) definitions[`d${i}`] = { allOf: [{ $ref: `#/definitions/d${i + 1}` }, { $ref: `#/definitions/d${i + 1}` }] };
    expect(measureExpansion({ definitions, $ref: '#/definitions/d0' }).nodes).toBeGreaterThan(2 ** 60);
  });

  it('cuts recursion where it descends into the value, and counts the recursive part once', () => {
    const tree = { type: 'object', properties: { v: { type: 'number' }, children: { type: 'array', items: { $ref: '#' } } }, required: ['v'] };
    expect(measureExpansion(tree).nodes).toBeLessThan(20);
    const mutual = { definitions: { a: { properties: { b: { $ref: '#/definitions/b' } } }, b: { properties: { a: { $ref: '#/definitions/a' } }, type: 'object' } }, $ref: '#/definitions/a' };
    expect(measureExpansion(mutual).nodes).toBeLessThan(20);
    // Fan-out inside a recursion still counts: each pass of the recursion costs its whole expansion.
    const fan = { definitions: { t: { allOf: Array.from({ length: 8 }, () => ({ $ref: '#/definitions/u' })) }, u: { properties: props(100), items: { $ref: '#/definitions/t' } } }, $ref: '#/definitions/t' };
    expect(measureExpansion(fan).nodes).toBeGreaterThan(800);
  });

  it('weighs long property names by every node below them', () => {
    const below = { type: 'object', properties: props(100) };
    expect(measureExpansion({ type: 'object', properties: { ['x'.repeat(10_000)]: below } }).pathBytes).toBeGreaterThan(100 * 40_000);
    expect(measureExpansion(below).pathBytes).toBeLessThan(100 * 40);
  });
});
