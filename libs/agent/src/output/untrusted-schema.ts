import { Ajv, type ValidateFunction } from 'ajv';
import { InvalidOutputSchemaError } from '../agent.errors.js';
import { canonicalJson } from '../checkpoint/canonical-json.js';
import { describeErrors, type CompiledOutputSchema } from './output-schema.js';
import { re2Engine } from './re2-engine.js';
import { checkKeywords } from './schema-keywords.js';
import { isObject, type Json } from './schema-structure.js';

/** What a schema from a request may cost before it is compiled. */
export interface SchemaLimits {
  /** JSON text size; @default 65,536 bytes */
  maxBytes: number;
  /** Nesting of objects and arrays; @default 32 */
  maxDepth: number;
  /** Objects anywhere in the schema (each may be a subschema); @default 1,000 */
  maxNodes: number;
}

export const DEFAULT_SCHEMA_LIMITS: SchemaLimits = { maxBytes: 64 * 1024, maxDepth: 32, maxNodes: 1_000 };

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

/**
 * A new compiler for each schema: what one request's schema registers (`$id`, definitions) can
 * never be seen or claimed by another's, and nothing accumulates in a shared instance.
 */
function isolatedCompile(schema: Json): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, code: { regExp: re2Engine() } });
  try {
    return ajv.compile(schema as object);
  } catch (err) {
    throw new InvalidOutputSchemaError(err instanceof Error ? err.message.slice(0, 300) : 'it does not compile');
  }
}

const MAX_CACHED = 100;
const cache = new Map<string, CompiledOutputSchema>();

/**
 * Compiles a JSON Schema that came from outside (a request body): bounded in size, depth and
 * object count, local references only, no `$async`, regular expressions on a linear-time engine,
 * each in its own compiler. Throws `InvalidOutputSchemaError` (`invalid_output_schema`) before
 * compiling anything over the limits. Compiled schemas are shared by identical text (a small LRU):
 * an isolated compile depends only on the text, so sharing leaks nothing between callers.
 */
export function compileUntrustedSchema(schema: unknown, limits: SchemaLimits = DEFAULT_SCHEMA_LIMITS): CompiledOutputSchema {
  if (!isObject(schema)) throw new InvalidOutputSchemaError('it must be a JSON object');
  measure(schema, limits);
  const text = canonicalJson(schema);
  if (Buffer.byteLength(text) > limits.maxBytes) throw new InvalidOutputSchemaError(`it is larger than ${limits.maxBytes} bytes`);
  const hit = cache.get(text);
  if (hit) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  checkKeywords(schema);
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
  cache.set(text, compiled);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return compiled;
}
