import { Ajv, type ValidateFunction } from 'ajv';
import { InvalidOutputSchemaError } from '../agent.errors.js';
import { canonicalJson } from '../checkpoint/canonical-json.js';
import { describeErrors, type CompiledOutputSchema } from './output-schema.js';
import { re2Engine } from './re2-engine.js';

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

// Keywords whose subschemas apply to the same value (so a reference cycle through them never ends)
// and keywords whose subschemas apply to a part of it (so recursion is bounded by the value's depth).
const IN_PLACE_ONE = ['not', 'if', 'then', 'else'];
const IN_PLACE_LIST = ['allOf', 'anyOf', 'oneOf'];
const DESCEND_ONE = ['additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'items'];
const DESCEND_MAP = ['properties', 'patternProperties', 'definitions', '$defs'];
// Keywords that would let one request's schema reach beyond itself or run code asynchronously.
const REFUSED = ['$async', '$dynamicRef', '$recursiveRef', '$dynamicAnchor', '$recursiveAnchor', '$anchor'];
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

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

/** The schema object a local reference points at ('#' or a JSON pointer '#/...'); refuses anything else. */
function resolveRef(root: Json, ref: unknown): Json {
  if (typeof ref !== 'string' || (ref !== '#' && !ref.startsWith('#/'))) throw new InvalidOutputSchemaError('only local references ("#" or "#/...") are allowed');
  let target: Json | undefined = root;
  if (ref !== '#') {
    for (const raw of ref.slice(2).split('/')) {
      let token: string;
      try {
        token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      } catch {
        throw new InvalidOutputSchemaError(`reference ${JSON.stringify(ref)} is malformed`);
      }
      target = Array.isArray(target) ? target[Number(token)] : isObject(target) && Object.hasOwn(target, token) ? target[token] : undefined;
      if (target === undefined) break;
    }
  }
  if (!isObject(target) && typeof target !== 'boolean') throw new InvalidOutputSchemaError(`reference ${JSON.stringify(ref)} points at no schema`);
  return target;
}

/**
 * Checks the keywords of every subschema: no asynchronous or dynamic keywords, `$id` only at the
 * root, `$schema` only draft-07, local references only, and no reference cycle that applies to the
 * same value (`{"allOf":[{"$ref":"#"}]}` would recurse until the stack overflows on any input).
 */
function checkKeywords(root: Json): void {
  const inPlace = new Map<Json, Json[]>();
  const pending: Array<[Json, boolean]> = [[root, true]];
  while (pending.length) {
    const [schema, atRoot] = pending.pop()!;
    if (!isObject(schema) || inPlace.has(schema)) continue;
    const same: Json[] = [];
    inPlace.set(schema, same);
    for (const key of REFUSED) if (Object.hasOwn(schema, key)) throw new InvalidOutputSchemaError(`the keyword ${key} is not allowed`);
    if (!atRoot && (Object.hasOwn(schema, '$id') || Object.hasOwn(schema, 'id'))) throw new InvalidOutputSchemaError('$id is allowed only at the root');
    if (Object.hasOwn(schema, '$schema') && !(atRoot && typeof schema.$schema === 'string' && DRAFT_07.test(schema.$schema))) {
      throw new InvalidOutputSchemaError('$schema must be draft-07, at the root');
    }
    if (Object.hasOwn(schema, '$ref')) same.push(resolveRef(root, schema.$ref));
    for (const key of IN_PLACE_ONE) if (Object.hasOwn(schema, key)) same.push(schema[key]);
    for (const key of IN_PLACE_LIST) if (Array.isArray(schema[key])) same.push(...(schema[key] as Json[]));
    const deps = schema.dependencies;
    if (isObject(deps)) same.push(...Object.values(deps).filter((d) => !Array.isArray(d)));
    const below: Json[] = [];
    for (const key of DESCEND_ONE) {
      const v = schema[key];
      if (Array.isArray(v)) below.push(...v);
      else if (v !== undefined) below.push(v);
    }
    for (const key of DESCEND_MAP) if (isObject(schema[key])) below.push(...Object.values(schema[key] as Record<string, Json>));
    for (const child of [...same, ...below]) pending.push([child, false]);
  }
  // Depth-first search for a cycle among same-value edges (iterative: white/grey/black colouring).
  const state = new Map<Json, 1 | 2>();
  for (const start of inPlace.keys()) {
    if (state.has(start)) continue;
    const stack: Array<[Json, number]> = [[start, 0]];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const edges = inPlace.get(top[0]) ?? [];
      if (top[1] >= edges.length) {
        state.set(top[0], 2);
        stack.pop();
        continue;
      }
      const next = edges[top[1]++];
      if (!isObject(next)) continue;
      const seen = state.get(next);
      if (seen === 1) throw new InvalidOutputSchemaError('it references itself without descending into the value (an endless loop)');
      if (seen === undefined) {
        state.set(next, 1);
        stack.push([next, 0]);
      }
    }
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
