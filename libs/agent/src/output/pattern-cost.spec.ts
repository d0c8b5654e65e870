import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { patternCost, patternsOf } from './pattern-cost.js';

const programSize = (pattern: string): number | undefined => {
  try {
    return RE2JS.compile(pattern).programSize();
  } catch {
    return undefined; // not a pattern RE2 compiles: the schema is refused anyway
  }
};

// Patterns built from RE2's syntax: atoms, groups of every kind, alternation and every repetition form.
const pattern: fc.Arbitrary<string> = fc.letrec<{ re: string; atom: string }>((tie) => ({
  atom: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('a', 'b', '.', '\\d', '\\w', '[a-z]', '[^]x]', '[[:alpha:]_]', '\\pL', '\\p{Greek}', '\\x{41}', '\\x41', '^', '$', '\\b', '\\Qa{9}\\E', '{', 'x{', '\\{3\\}') },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('(', '(?:', '(?i:', '(?P<n>', '(?<m>'), tie('re')).map(([open, inner]) => `${open}${inner})`) },
  ),
  re: fc
    .array(
      fc.tuple(
        tie('atom'),
        fc.constantFrom('', '', '', '*', '+', '?', '*?', '{3}', '{2,5}', '{4,}', '{0}', '{0,2}', '{1,30}?', '(?i)'),
        fc.constantFrom('', '', '', '|'),
      ),
      { maxLength: 5 },
    )
    .map((parts) => parts.map(([a, r, alt]) => `${a}${r}${alt}`).join('')),
})).re;

describe('patternCost (RE2 program size, read without compiling)', () => {
  it('is never below the size of the program RE2 compiles', () => {
    fc.assert(
      fc.property(pattern, (p) => {
        const actual = programSize(p);
        if (actual !== undefined) expect(patternCost(p)).toBeGreaterThanOrEqual(actual);
      }),
      { numRuns: 2_000 },
    );
  });

  it('counts repetition: a few characters can stand for a thousand instructions', () => {
    for (const p of ['a{1000}', '(\\w+\\s?){100}', '(a{10}){10}', 'x{1,1000}', '(?:ab|cd){200,}']) {
      expect(patternCost(p)).toBeGreaterThanOrEqual(programSize(p)!);
      expect(patternCost(p)).toBeLessThan(3 * programSize(p)! + 10);
    }
    expect(patternCost('^\\d{4}-\\d{2}-\\d{2}$')).toBeLessThan(30);
    expect(patternCost('a{1000}'.repeat(10))).toBeGreaterThan(10_000);
  });

  it('finds the patterns of a schema, in referenced and nested subschemas', () => {
    const schema = {
      definitions: { code: { type: 'string', pattern: '^[A-Z]{3}$' } },
      type: 'object',
      properties: { a: { $ref: '#/definitions/code' }, b: { items: { pattern: '^b' } } },
      patternProperties: { '^x-': {} },
      not: { pattern: '^[A-Z]{3}$' },
    };
    expect([...patternsOf(schema)].sort()).toEqual(['^[A-Z]{3}$', '^b', '^x-']);
  });
});
