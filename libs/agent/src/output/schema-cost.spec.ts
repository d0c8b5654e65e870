import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import fc from 'fast-check';
import { InvalidOutputSchemaError } from '../errors/agent.errors.js';
import { measureExpansion } from './schema-expansion.js';
import { compileUntrustedSchema, DEFAULT_SCHEMA_LIMITS, untrustedSchemaCache } from './untrusted-schema.js';

interface FanOut {
  schema: Record<string, unknown>;
}

/**
 * Chains and trees of definitions, each referencing later ones k times (in place through allOf, or
 * below through properties and items), with a few plain properties each; `recursive` adds references
 * back to earlier definitions below the value, which JSON Schema allows.
 */
function refFanOut({ recursive, maxFanOut, maxDefinitions, maxLeaves }: { recursive: boolean; maxFanOut: number; maxDefinitions: number; maxLeaves: number }): fc.Arbitrary<FanOut> {
  const definition = fc.record({
    leaves: fc.integer({ min: 0, max: maxLeaves }),
    refs: fc.array(fc.record({ ahead: fc.integer({ min: 1, max: 3 }), where: fc.constantFrom('allOf', 'properties', 'items') }), { maxLength: maxFanOut }),
    back: recursive ? fc.option(fc.integer({ min: 0, max: maxDefinitions }), { nil: undefined }) : fc.constant(undefined),
  });
  return fc.array(definition, { minLength: 1, maxLength: maxDefinitions }).map((defs) => {
    const ref = (i: number) => ({ $ref: `#/definitions/d${i}` });
    const definitions = Object.fromEntries(
      defs.map((d, i) => {
        const schema: Record<string, unknown> = { type: 'object', properties: Object.fromEntries(Array.from({ length: d.leaves }, (_, j) => [`p${j}`, { type: 'string' }])) };
        const allOf: unknown[] = [];
        d.refs.forEach((r, j) => {
          const target = ref(Math.min(i + r.ahead, defs.length - 1));
          if (i === defs.length - 1) return;
          if (r.where === 'allOf') allOf.push(target);
          else if (r.where === 'items') (schema.properties as Record<string, unknown>)[`list${j}`] = { type: 'array', items: target };
          else (schema.properties as Record<string, unknown>)[`r${j}`] = target;
        });
        if (allOf.length) schema.allOf = allOf;
        if (d.back !== undefined) (schema.properties as Record<string, unknown>).back = ref(Math.min(d.back, i));
        return [`d${i}`, schema];
      }),
    );
    return { schema: { definitions, $ref: '#/definitions/d0' } };
  });
}

// The oracle: every reference copied in literally, each keyword that compiles to code counted once.
const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', '$comment', 'definitions', '$defs', '$id', 'id', '$schema', 'readOnly', 'writeOnly']);
function literalExpansion(schema: unknown, root: Record<string, unknown>): number {
  if (typeof schema !== 'object' || schema === null) return 1;
  const s = schema as Record<string, unknown>;
  let n = Math.max(1, Object.keys(s).filter((k) => !ANNOTATIONS.has(k)).length);
  if (typeof s.$ref === 'string') n += literalExpansion(s.$ref.slice(2).split('/').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], root), root);
  for (const child of (s.allOf as unknown[] | undefined) ?? []) n += literalExpansion(child, root);
  if (s.items !== undefined) n += literalExpansion(s.items, root);
  for (const child of Object.values((s.properties as object | undefined) ?? {})) n += literalExpansion(child, root);
  return n;
}

describe('what a schema from a request costs to compile', () => {
  it('measures generated acyclic reference fan-outs exactly as their literal expansion', () => {
    fc.assert(
      fc.property(refFanOut({ recursive: false, maxFanOut: 4, maxDefinitions: 6, maxLeaves: 4 }), ({ schema }) => {
        expect(measureExpansion(schema).nodes).toBe(literalExpansion(schema, schema));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses issue 31's schema before compiling it: 50 references to a definition of 880 properties", () => {
    const big = { type: 'object', properties: Object.fromEntries(Array.from({ length: 880 }, (_, i) => [`p${i}`, { type: 'string' }])) };
    const schema = { type: 'object', definitions: { big }, properties: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`r${i}`, { $ref: '#/definitions/big' }])) };
    expect(JSON.stringify(schema).length).toBeLessThan(24_000);
    expect(() => compileUntrustedSchema(schema)).toThrow(InvalidOutputSchemaError);
    expect(() => compileUntrustedSchema(schema)).toThrow('output schema refused: it expands to 44,152 schema nodes through $ref, over the limit of 500');
    try {
      compileUntrustedSchema(schema);
    } catch (err) {
      expect((err as InvalidOutputSchemaError).code).toBe('invalid_output_schema');
    }
  });

  it('compiles a generated reference fan-out only when its measured expansion is within the limits, and refuses it otherwise', () => {
    const outcomes = { compiled: 0, refused: 0 };
    fc.assert(
      fc.property(refFanOut({ recursive: true, maxFanOut: 8, maxDefinitions: 12, maxLeaves: 40 }), ({ schema }) => {
        const { nodes, pathBytes } = measureExpansion(schema);
        const within = nodes <= DEFAULT_SCHEMA_LIMITS.maxExpandedNodes && pathBytes <= DEFAULT_SCHEMA_LIMITS.maxPathBytes;
        let refusal: unknown;
        try {
          compileUntrustedSchema(schema);
        } catch (err) {
          refusal = err;
        }
        if (refusal) {
          expect(refusal).toBeInstanceOf(InvalidOutputSchemaError);
          expect(within).toBe(false);
          outcomes.refused++;
        } else {
          // What was compiled is bounded: the measure's limit bounds what Ajv had to generate.
          expect(within).toBe(true);
          outcomes.compiled++;
        }
      }),
      { numRuns: 200 },
    );
    // The family straddles the limit: both outcomes are exercised.
    expect(outcomes.compiled).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(10);
  });

  it('still compiles a realistic order schema with a few references, and validates with it', () => {
    const money = { type: 'object', properties: { amount: { type: 'number', minimum: 0 }, currency: { enum: ['EUR', 'USD', 'GBP', 'CHF', 'JPY'] } }, required: ['amount', 'currency'], additionalProperties: false };
    const address = {
      type: 'object',
      properties: { name: { type: 'string', minLength: 1 }, street: { type: 'string' }, city: { type: 'string' }, postalCode: { type: 'string', pattern: '^[A-Z0-9 -]{3,10}$' }, country: { type: 'string', pattern: '^[A-Z]{2}$' } },
      required: ['name', 'street', 'city', 'country'],
    };
    const order = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'Order',
      type: 'object',
      definitions: {
        money,
        address,
        line: { type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z]{3}-\\d{4}$' }, quantity: { type: 'integer', minimum: 1 }, unitPrice: { $ref: '#/definitions/money' }, discounts: { type: 'array', items: { $ref: '#/definitions/money' }, maxItems: 3 } }, required: ['sku', 'quantity', 'unitPrice'] },
      },
      properties: {
        orderId: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
        customer: { type: 'object', properties: { email: { type: 'string', maxLength: 254 }, phone: { type: 'string' } }, required: ['email'] },
        billing: { $ref: '#/definitions/address' },
        shipping: { $ref: '#/definitions/address' },
        lines: { type: 'array', minItems: 1, items: { $ref: '#/definitions/line' } },
        total: { $ref: '#/definitions/money' },
        status: { enum: ['pending', 'paid', 'shipped', 'cancelled'] },
        notes: { type: ['string', 'null'] },
      },
      required: ['orderId', 'customer', 'billing', 'lines', 'total', 'status'],
    };
    expect(measureExpansion(order).nodes).toBeLessThan(DEFAULT_SCHEMA_LIMITS.maxExpandedNodes / 2);
    const compiled = compileUntrustedSchema(order);
    const eur = (amount: number) => ({ amount, currency: 'EUR' });
    const home = { name: 'Ada', street: '1 Main St', city: 'Oslo', postalCode: '0150', country: 'NO' };
    const good = { orderId: '0b7e9a4c-1d2f-4a3b-8c9d-0e1f2a3b4c5d', customer: { email: 'ada@example.com' }, billing: home, shipping: home, lines: [{ sku: 'ABC-1234', quantity: 2, unitPrice: eur(5), discounts: [eur(1)] }], total: eur(9), status: 'paid', notes: null };
    expect(compiled.validate(good).ok).toBe(true);
    const bad = { ...good, shipping: { ...home, country: 'Norway' }, lines: [{ sku: 'abc', quantity: 0, unitPrice: { amount: 5, currency: 'NOK' } }] };
    const result = compiled.validate(bad);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toEqual(
      expect.arrayContaining([expect.stringContaining('/shipping/country'), expect.stringContaining('/lines/0/sku'), expect.stringContaining('/lines/0/quantity'), expect.stringContaining('/lines/0/unitPrice/currency')]),
    );
  });

  it('keeps compiled schemas within a bound in bytes, not only in entries', () => {
    // Each holds 18 distinct patterns near the pattern limit: about 0.7 MB estimated (re2js programs are objects).
    const heavy = (n: number) => ({ type: 'object', properties: Object.fromEntries(Array.from({ length: 18 }, (_, i) => [`p${i}`, { type: 'string', pattern: `^s${n}p${i}[a-z]{50}$` }])) });
    for (let n = 0; n < 60; n++) compileUntrustedSchema(heavy(n));
    const cache = untrustedSchemaCache();
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    expect(cache.bytes).toBeGreaterThan(cache.maxBytes / 2);
    expect(cache.size).toBeLessThan(60);
  });

  it('bounds the code Ajv generates by the measure, even with Ajv copying references in', () => {
    fc.assert(
      fc.property(refFanOut({ recursive: true, maxFanOut: 3, maxDefinitions: 5, maxLeaves: 6 }), ({ schema }) => {
        const { nodes, pathBytes } = measureExpansion(schema);
        fc.pre(nodes <= 3_000);
        const ajv = new Ajv({ allErrors: true, strict: false, logger: false, code: { source: true, optimize: false } });
        const code = standaloneCode.default(ajv, ajv.compile(schema));
        expect(code.length).toBeLessThanOrEqual(1_500 * nodes + 4 * pathBytes + 20_000);
      }),
      { numRuns: 100 },
    );
  });
});
