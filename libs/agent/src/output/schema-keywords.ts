import { InvalidOutputSchemaError } from '../errors/agent.errors.js';
import { definitionsOf, eachSubschema, isObject, resolveRef, type Json } from './schema-structure.js';

// Keywords that would let one request's schema reach beyond itself or run code asynchronously.
const REFUSED = ['$async', '$dynamicRef', '$recursiveRef', '$dynamicAnchor', '$recursiveAnchor', '$anchor'];
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;

/**
 * Checks the keywords of every subschema: no asynchronous or dynamic keywords, `$id` only at the
 * root, `$schema` only draft-07, local references only, and no reference cycle that applies to the
 * same value (`{"allOf":[{"$ref":"#"}]}` would recurse until the stack overflows on any input).
 */
export function checkKeywords(root: Json): void {
  const inPlace = new Map<Json, Json[]>();
  const pending: Array<[Json, boolean]> = [[root, true]];
  while (pending.length) {
    const [schema, atRoot] = pending.pop()!;
    if (!isObject(schema) || inPlace.has(schema)) continue;
    for (const key of REFUSED) if (Object.hasOwn(schema, key)) throw new InvalidOutputSchemaError(`the keyword ${key} is not allowed`);
    if (!atRoot && (Object.hasOwn(schema, '$id') || Object.hasOwn(schema, 'id'))) throw new InvalidOutputSchemaError('$id is allowed only at the root');
    if (Object.hasOwn(schema, '$schema') && !(atRoot && typeof schema.$schema === 'string' && DRAFT_07.test(schema.$schema))) {
      throw new InvalidOutputSchemaError('$schema must be draft-07, at the root');
    }
    const same = Object.hasOwn(schema, '$ref') ? [resolveRef(root, schema.$ref)] : [];
    const below = definitionsOf(schema);
    eachSubschema(schema, (child, placement) => (placement === 'in-place' ? same : below).push(child));
    inPlace.set(schema, same);
    for (const child of [...same, ...below]) pending.push([child, false]);
  }
  refuseInPlaceCycles(inPlace);
}

/** Depth-first search for a cycle among same-value edges (iterative: white/grey/black colouring). */
function refuseInPlaceCycles(inPlace: Map<Json, Json[]>): void {
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
