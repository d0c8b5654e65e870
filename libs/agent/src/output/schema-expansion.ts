import { InvalidOutputSchemaError } from '../errors/agent.errors.js';
import { eachSubschema, isObject, resolveRef, type Json, type SchemaObject } from './schema-structure.js';

/** What Ajv would generate code for if it copied every referenced schema where it is referenced. */
export interface Expansion {
  /**
   * Schema nodes: each keyword Ajv writes code for counts one (a subschema at least one, an
   * array-form dependency one per property it names), and each reference the whole of what it points at.
   */
  nodes: number;
  /** Bytes of schema and data paths over those subschemas: a long property name is written once for every subschema below it. */
  pathBytes: number;
  /** Whether a reference was followed. */
  throughRefs: boolean;
}

// Keywords that only annotate: Ajv writes no code for them (definitions are compiled where referenced).
const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', '$comment', 'definitions', '$defs', '$id', 'id', '$schema', 'readOnly', 'writeOnly', 'contentMediaType', 'contentEncoding']);

/** Code-writing keywords of one schema: what it costs to compile, its subschemas aside. */
function ownNodes(schema: SchemaObject): number {
  let keywords = 0;
  for (const key of Object.keys(schema)) if (!ANNOTATIONS.has(key)) keywords++;
  // Ajv writes one check per property an array-form dependency names.
  if (isObject(schema.dependencies)) for (const dep of Object.values(schema.dependencies)) if (Array.isArray(dep)) keywords += dep.length;
  return Math.max(1, keywords);
}

interface Edge {
  to: number;
  /** Applies to a part of the value: a recursive schema is cut here, into a function of its own. */
  below: boolean;
  pathBytes: number;
}

/** Every schema reachable from the root through subschemas and references, as numbered nodes and edges. */
function graphOf(root: Json): { weights: number[]; edges: Edge[][]; throughRefs: boolean } {
  const ids = new Map<Json, number>();
  const weights: number[] = [];
  const edges: Edge[][] = [];
  const pending: Json[] = [];
  let throughRefs = false;
  const id = (schema: Json): number => {
    let n = ids.get(schema);
    if (n === undefined) {
      n = weights.length;
      ids.set(schema, n);
      weights.push(1);
      edges.push([]);
      pending.push(schema);
    }
    return n;
  };
  id(root);
  while (pending.length) {
    const schema = pending.pop()!;
    if (!isObject(schema)) continue;
    const n = ids.get(schema)!;
    weights[n] = ownNodes(schema);
    if (Object.hasOwn(schema, '$ref')) {
      throughRefs = true;
      edges[n].push({ to: id(resolveRef(root, schema.$ref)), below: false, pathBytes: Buffer.byteLength(String(schema.$ref)) });
    }
    eachSubschema(schema, (child, placement, pathBytes) => edges[n].push({ to: id(child), below: placement === 'below', pathBytes }));
  }
  return { weights, edges, throughRefs };
}

/** Strongly connected components (Tarjan's algorithm without recursion: a schema may be deep). */
function components(edges: Edge[][]): Int32Array {
  const size = edges.length;
  const index = new Int32Array(size).fill(-1);
  const low = new Int32Array(size);
  const component = new Int32Array(size).fill(-1);
  const onStack = new Uint8Array(size);
  const stack: number[] = [];
  let counter = 0;
  let count = 0;
  for (let start = 0; start < size; start++) {
    if (index[start] !== -1) continue;
    const calls: Array<[number, number]> = [[start, 0]];
    index[start] = low[start] = counter++;
    stack.push(start);
    onStack[start] = 1;
    while (calls.length) {
      const frame = calls[calls.length - 1];
      const v = frame[0];
      if (frame[1] < edges[v].length) {
        const w = edges[v][frame[1]++].to;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          calls.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      calls.pop();
      if (calls.length) low[calls[calls.length - 1][0]] = Math.min(low[calls[calls.length - 1][0]], low[v]);
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component[w] = count;
        } while (w !== v);
        count++;
      }
    }
  }
  return component;
}

/**
 * Measures a schema as Ajv would expand it, before compiling it: every reference counts as the whole
 * of what it points at, so fifty references to one definition of 880 properties count 44,000, and
 * every keyword that compiles to code counts, so a subschema of fifteen keywords costs fifteen. A
 * recursive schema is cut where it descends into a part of the value (its recursion is bounded by
 * the value's depth, and Ajv compiles it as a function called there): the cut counts once, and the
 * function's own expansion once. Each node's expansion is computed once (memoized), so the measure
 * is linear in the schema's text however large the expansion is. Expects a schema that passed
 * checkKeywords (local references only, no loop on the same value).
 */
export function measureExpansion(root: unknown): Expansion {
  const { weights, edges, throughRefs } = graphOf(root as Json);
  const component = components(edges);
  const cut = (from: number, edge: Edge) => edge.below && component[from] === component[edge.to];
  const nodes = new Float64Array(weights.length);
  const pathBytes = new Float64Array(weights.length);
  const state = new Uint8Array(weights.length);
  const functions = new Set<number>();
  // Post-order over the edges that are not cut: they form no cycle, so every node is finished once.
  const expand = (start: number) => {
    if (state[start] === 2) return;
    const calls: Array<[number, number]> = [[start, 0]];
    state[start] = 1;
    nodes[start] = weights[start];
    while (calls.length) {
      const frame = calls[calls.length - 1];
      const v = frame[0];
      if (frame[1] < edges[v].length) {
        const edge = edges[v][frame[1]++];
        if (cut(v, edge)) {
          functions.add(edge.to);
          nodes[v] += 1;
          pathBytes[v] += edge.pathBytes;
        } else if (state[edge.to] === 0) {
          state[edge.to] = 1;
          nodes[edge.to] = weights[edge.to];
          calls.push([edge.to, 0]);
          frame[1]--;
        } else if (state[edge.to] === 1) {
          throw new InvalidOutputSchemaError('it references itself without descending into the value (an endless loop)');
        } else {
          nodes[v] += nodes[edge.to];
          pathBytes[v] += pathBytes[edge.to] + nodes[edge.to] * edge.pathBytes;
        }
        continue;
      }
      state[v] = 2;
      calls.pop();
    }
  };
  expand(0);
  let total = nodes[0];
  let totalPath = pathBytes[0];
  for (const f of functions) {
    expand(f);
    total += nodes[f];
    totalPath += pathBytes[f];
  }
  return { nodes: total, pathBytes: totalPath, throughRefs };
}
