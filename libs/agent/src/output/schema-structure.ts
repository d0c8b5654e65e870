import { InvalidOutputSchemaError } from '../errors/agent.errors.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type SchemaObject = Record<string, Json>;

export const isObject = (v: unknown): v is SchemaObject => typeof v === 'object' && v !== null && !Array.isArray(v);

// Keywords whose subschemas apply to the same value (so a reference cycle through them never ends)
// and keywords whose subschemas apply to a part of it (so recursion is bounded by the value's depth).
// These are the draft-07 applicators Ajv compiles; definitions are compiled only where referenced.
const IN_PLACE_ONE = ['not', 'if', 'then', 'else'];
const IN_PLACE_LIST = ['allOf', 'anyOf', 'oneOf'];
const DESCEND_ONE = ['additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'items'];
const DESCEND_MAP = ['properties', 'patternProperties'];

/** Whether a subschema applies to the same value as its parent, or to a part of it. */
export type Placement = 'in-place' | 'below';

// A property name appears in the generated code as a JSON pointer (percent-encoded: up to 3 bytes
// per byte) and as a data path, so its step costs up to four times its UTF-8 length.
const nameBytes = (name: string) => 4 * Buffer.byteLength(name);

/**
 * Calls `visit` for each subschema of a schema with where it applies and the bytes its step adds to
 * the schema and data paths that Ajv writes into the generated code for every subschema below it.
 */
export function eachSubschema(schema: SchemaObject, visit: (child: Json, placement: Placement, pathBytes: number) => void): void {
  for (const key of IN_PLACE_ONE) if (Object.hasOwn(schema, key)) visit(schema[key], 'in-place', key.length + 1);
  for (const key of IN_PLACE_LIST) if (Array.isArray(schema[key])) (schema[key] as Json[]).forEach((child) => visit(child, 'in-place', key.length + 8));
  const deps = schema.dependencies;
  if (isObject(deps)) for (const [name, dep] of Object.entries(deps)) if (!Array.isArray(dep)) visit(dep, 'in-place', 14 + nameBytes(name));
  for (const key of DESCEND_ONE) {
    const v = schema[key];
    if (Array.isArray(v)) v.forEach((child) => visit(child, 'below', 2 * key.length + 16));
    else if (v !== undefined) visit(v, 'below', 2 * key.length + 2);
  }
  for (const key of DESCEND_MAP) if (isObject(schema[key])) for (const [name, child] of Object.entries(schema[key] as SchemaObject)) visit(child, 'below', key.length + 2 + nameBytes(name));
}

/** Definitions: not compiled where they stand, but walked so every schema in the text is checked. */
export function definitionsOf(schema: SchemaObject): Json[] {
  return ['definitions', '$defs'].flatMap((key) => (isObject(schema[key]) ? Object.values(schema[key] as SchemaObject) : []));
}

/** The schema a local reference points at ('#' or a JSON pointer '#/...'); refuses anything else. */
export function resolveRef(root: Json, ref: unknown): Json {
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
