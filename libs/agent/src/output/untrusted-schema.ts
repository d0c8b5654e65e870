import { Ajv, type ValidateFunction } from 'ajv';
import { InvalidOutputSchemaError } from '../errors/agent.errors.js';
import { canonicalJson } from '../common/canonical-json.js';
import { describeErrors, type CompiledOutputSchema } from './output-schema.js';
import { patternCost, patternsOf } from './pattern-cost.js';
import { re2Engine } from './re2-engine.js';
import { measureExpansion, type Expansion } from './schema-expansion.js';
import { checkKeywords } from './schema-keywords.js';
import { isObject, type Json } from './schema-structure.js';
import { ValidatorCache } from './validator-cache.js';

/** What a schema from a request may cost before it is compiled. */
export interface SchemaLimits {
  /** JSON text size; @default 65,536 bytes */
  maxBytes: number;
  /** Nesting of objects and arrays; @default 32 */
  maxDepth: number;
  /** Objects anywhere in the schema (each may be a subschema); @default 1,000 */
  maxNodes: number;
  /** Schema nodes once every $ref is expanded: keywords that compile to code (measureExpansion); @default 500 */
  maxExpandedNodes: number;
  /** Bytes of schema and data paths over those nodes (long property names repeat below them); @default 1,048,576 */
  maxPathBytes: number;
  /** RE2 instructions of the schema's distinct patterns (patternCost, an upper bound); @default 2,000 */
  maxPatternCost: number;
}

// Measured by bench/schema-compile.bench.js (2026-12-07, the 2-core development machine shared
// with other work, load 4-5), CPU per compile, median (min): 250 expanded nodes 9-14 (5-8) ms, 500
// 16-25 (15-16), 750 21-34 (19), 1,000 30-56 (26-29); a MiB of paths about 10 ms more; 2,000
// pattern instructions 3-13 ms. The worst admissible schema (478 nodes, 1.0 MB of paths, 1,934
// pattern instructions) takes 25-28 (17-19) ms: 500 keeps every compile well under 50 ms there.
// Issue 31's 50 references to 880 properties expand to 44,152 nodes: 5-12 s to compile before, now
// refused in 2-6 ms.
/** The limits compileUntrustedSchema applies unless given others: each keeps a hostile schema's compile well under 50 ms. */
export const DEFAULT_SCHEMA_LIMITS: SchemaLimits = { maxBytes: 64 * 1024, maxDepth: 32, maxNodes: 1_000, maxExpandedNodes: 500, maxPathBytes: 1024 * 1024, maxPatternCost: 2_000 };

/** Nesting depth and object count of a JSON value, walked without recursion (a hostile value may be very deep). */
function measure(value: unknown, limits: SchemaLimits): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  let nodes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limits.maxDepth) throw new InvalidOutputSchemaError(`it nests deeper than ${limits.maxDepth} levels`);
    if (!Array.isArray(v) && ++nodes > limits.maxNodes) throw new InvalidOutputSchemaError(`it has more than ${limits.maxNodes} objects`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

const count = (n: number) => (n > Number.MAX_SAFE_INTEGER ? `more than ${Number.MAX_SAFE_INTEGER.toLocaleString('en-US')}` : n.toLocaleString('en-US'));

/** Refuses a schema whose compiled form would cost more than its limits allow, before compiling it. */
function checkCost(schema: Json, limits: SchemaLimits): { expansion: Expansion; patternCost: number } {
  const expansion = measureExpansion(schema);
  if (expansion.nodes > limits.maxExpandedNodes) {
    const what = expansion.throughRefs ? 'expands to' : 'has';
    throw new InvalidOutputSchemaError(`it ${what} ${count(expansion.nodes)} schema nodes${expansion.throughRefs ? ' through $ref' : ''}, over the limit of ${count(limits.maxExpandedNodes)}`);
  }
  if (expansion.pathBytes > limits.maxPathBytes) {
    throw new InvalidOutputSchemaError(`its property names, repeated in the path of every schema below them, come to ${count(expansion.pathBytes)} bytes, over the limit of ${count(limits.maxPathBytes)}`);
  }
  let patterns = 0;
  for (const pattern of patternsOf(schema)) patterns += patternCost(pattern);
  if (patterns > limits.maxPatternCost) throw new InvalidOutputSchemaError(`its patterns compile to about ${count(patterns)} RE2 instructions, over the limit of ${count(limits.maxPatternCost)}`);
  return { expansion, patternCost: patterns };
}

// Draft-07 rules are checked once, by one shared validator of the meta-schema (compiling the
// meta-schema in every isolated compiler cost more than most schemas' own compile).
let meta: { ajv: Ajv; validate: ValidateFunction } | undefined;
function checkDraft07(schema: Json): void {
  if (!meta) {
    const ajv = new Ajv({ strict: false, logger: false });
    meta = { ajv, validate: ajv.getSchema('http://json-schema.org/draft-07/schema')! };
  }
  if (!meta.validate(schema)) throw new InvalidOutputSchemaError(`schema is invalid: ${meta.ajv.errorsText(meta.validate.errors)}`.slice(0, 300));
}

/**
 * A new compiler for each schema: what one request's schema registers (`$id`, definitions) can
 * never be seen or claimed by another's, and nothing accumulates in a shared instance. References
 * compile to functions called where they stand (never copied in), required and enum lists to loops,
 * and the code unoptimised: what compiling costs then follows the schema's text and measured expansion.
 */
function isolatedCompile(schema: Json): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateSchema: false, inlineRefs: false, loopRequired: 1, loopEnum: 1, code: { regExp: re2Engine(), optimize: false } });
  try {
    return ajv.compile(schema as object);
  } catch (err) {
    throw new InvalidOutputSchemaError(err instanceof Error ? err.message.slice(0, 300) : 'it does not compile');
  }
}

/** Compiled schemas kept at most, and their estimated heap at most (a worst case is about 1 MB). */
const MAX_CACHED = 100;
const MAX_CACHED_BYTES = 32 * 1024 * 1024;
const cache = new ValidatorCache<CompiledOutputSchema>(MAX_CACHED, MAX_CACHED_BYTES);

// Heap a cached schema holds, measured by bench/schema-compile.bench.js: its parsed object (about
// three times its text) and its canonical text; about 64 bytes of code per expanded node; about
// 350 bytes per RE2 instruction of its patterns (re2js programs are objects); Ajv's own 8 KB.
const estimatedHeap = (textBytes: number, cost: { expansion: Expansion; patternCost: number }) => 8 * 1024 + 4 * textBytes + 64 * cost.expansion.nodes + 350 * cost.patternCost;

/** How full the cache of compiled schemas is: entries and estimated bytes, with their bounds. */
export function untrustedSchemaCache(): { size: number; bytes: number; maxSize: number; maxBytes: number } {
  return { size: cache.size, bytes: cache.bytes, maxSize: MAX_CACHED, maxBytes: MAX_CACHED_BYTES };
}

/**
 * Compiles a JSON Schema that came from outside (a request body): bounded in size, depth and
 * object count, local references only, no `$async`, regular expressions on a linear-time engine,
 * each in its own compiler. What compiling it would cost is measured first, from its text: its
 * size once every reference is expanded, the paths written for it and its patterns' programs.
 * Throws `InvalidOutputSchemaError` (`invalid_output_schema`) before compiling anything over the
 * limits (DEFAULT_SCHEMA_LIMITS, each replaceable). Compiled schemas are shared by identical text
 * (an LRU bounded in entries and estimated bytes): an isolated compile depends only on the text, so
 * sharing leaks nothing between callers.
 */
export function compileUntrustedSchema(schema: unknown, overrides: Partial<SchemaLimits> = {}): CompiledOutputSchema {
  const limits = { ...DEFAULT_SCHEMA_LIMITS, ...overrides };
  if (!isObject(schema)) throw new InvalidOutputSchemaError('it must be a JSON object');
  measure(schema, limits);
  const text = canonicalJson(schema);
  if (Buffer.byteLength(text) > limits.maxBytes) throw new InvalidOutputSchemaError(`it is larger than ${limits.maxBytes} bytes`);
  checkKeywords(schema);
  const cost = checkCost(schema, limits);
  const hit = cache.get(text);
  if (hit) return hit;
  checkDraft07(schema);
  const validate = isolatedCompile(schema);
  const compiled: CompiledOutputSchema = {
    text,
    validate: (value) => {
      try {
        // A validator only ever answers true or false here ($async is refused); anything else is a failure.
        return validate(value) === true ? { ok: true, value } : { ok: false, errors: describeErrors(validate.errors) };
      } catch {
        // A value nested deep enough to exhaust the stack under a recursive schema is simply invalid.
        return { ok: false, errors: ['the value could not be validated (too deeply nested)'] };
      }
    },
  };
  cache.set(text, compiled, estimatedHeap(Buffer.byteLength(text), cost));
  return compiled;
}
