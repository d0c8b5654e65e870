import { InvalidOutputSchemaError } from '../agent.errors.js';

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

/** A schema's subschemas: those applied to the same value (its $ref aside) and those applied to a part of it. */
export interface Subschemas {
  inPlace: Json[];
  below: Json[];
}

export function subschemasOf(schema: SchemaObject): Subschemas {
  const inPlace: Json[] = [];
  for (const key of IN_PLACE_ONE) if (Object.hasOwn(schema, key)) inPlace.push(schema[key]);
  for (const key of IN_PLACE_LIST) if (Array.isArray(schema[key])) inPlace.push(...(schema[key] as Json[]));
  const deps = schema.dependencies;
  if (isObject(deps)) inPlace.push(...Object.values(deps).filter((d) => !Array.isArray(d)));
  const below: Json[] = [];
  for (const key of DESCEND_ONE) {
    const v = schema[key];
    if (Array.isArray(v)) below.push(...v);
    else if (v !== undefined) below.push(v);
  }
  for (const key of DESCEND_MAP) if (isObject(schema[key])) below.push(...Object.values(schema[key] as SchemaObject));
  return { inPlace, below };
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
