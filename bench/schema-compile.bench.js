// What compiling a schema from a request costs, by its measured expansion: wall and CPU time of
// compileUntrustedSchema (limits lifted so sizes past them are measured too), the heap a compiled
// schema holds, and what the same schema cost with the compiler options used before (references
// copied where they stand, the meta-schema compiled in every compiler). Each case is compiled
// warm, with a fresh text every round (a cached compile would measure the cache), rounds
// alternated across cases so machine noise hits all. Heap is counted with 40 copies kept alive,
// bytecode flushing off (it frees heap at random). `npm run bench:schema` (builds first).
import { Ajv } from 'ajv';
import { performance } from 'node:perf_hooks';
import { RE2JS } from 're2js';
import { compileUntrustedSchema, DEFAULT_SCHEMA_LIMITS } from '@agentnest/agent';
import { measureExpansion } from '../libs/agent/dist/output/schema-expansion.js';
import { patternCost, patternsOf } from '../libs/agent/dist/output/pattern-cost.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const HEAP_COPIES = 40;
const UNLIMITED = { ...DEFAULT_SCHEMA_LIMITS, maxNodes: 1e9, maxBytes: 1e9, maxDepth: 1e9, maxExpandedNodes: 1e18, maxPathBytes: 1e18, maxPatternCost: 1e18 };
// Before: one compiler per schema with Ajv's defaults (ref-free targets copied in, the meta-schema compiled in each).
const before = (schema) => new Ajv({ allErrors: true, strict: false, logger: false, code: { regExp: (p) => RE2JS.compile(p) } }).compile(schema);

const props = (n, leaf = () => ({ type: 'string' })) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, leaf(i)]));
const fanOut = (refs, size) => ({ type: 'object', definitions: { big: { type: 'object', properties: props(size) } }, properties: Object.fromEntries(Array.from({ length: refs }, (_, i) => [`r${i}`, { $ref: '#/definitions/big' }])) });
// Nodes under a chain of long property names: every one repeats the chain in its paths.
const longPath = (levels, nameLength, width) => {
  let s = { type: 'object', properties: props(width) };
  for (let i = 0; i < levels; i++) s = { type: 'object', properties: { [`n${i}`.padEnd(nameLength, 'x')]: s } };
  return s;
};
// References to each level of a nested schema: each target compiles its whole subtree again, even as a call.
const nestedTargets = (levels, width) => {
  let s = { type: 'object', properties: props(width) };
  for (let i = 0; i < levels; i++) s = { type: 'object', properties: { a: s } };
  const refs = Array.from({ length: levels + 1 }, (_, i) => [`r${i}`, { $ref: `#/properties/b${'/properties/a'.repeat(i)}` }]);
  return { type: 'object', properties: { b: s, ...Object.fromEntries(refs) } };
};
// Distinct patterns, each `[a-z]{k}`-like, adding up to a total program size.
const patterns = (count, repeat) => ({ type: 'object', properties: props(count, (i) => ({ type: 'string', pattern: `^p${i}[a-z]{${repeat}}$` })) });

// A subschema with fifteen keywords that all compile to code.
const busy = () => ({ type: 'string', minLength: 1, maxLength: 9, minimum: 0, maximum: 9, multipleOf: 1, minItems: 0, maxItems: 3, uniqueItems: true, minProperties: 0, maxProperties: 3, required: ['a'], enum: ['a'], const: 'a', not: true });

// The most an admissible schema may cost: near every limit at once (nodes, paths and patterns).
const worst = () => {
  let s = { type: 'object', properties: { ...props(420), ...Object.fromEntries(Array.from({ length: 18 }, (_, i) => [`q${i}`, { type: 'string', pattern: `^q${i}[a-z]{50}$` }])) } };
  for (let i = 0; i < 10; i++) s = { type: 'object', properties: { [`n${i}`.padEnd(50, 'x')]: s } };
  return s;
};

const CASES = [
  ['flat: 250 properties', () => ({ type: 'object', properties: props(248) })],
  ['flat: 500 properties', () => ({ type: 'object', properties: props(498) })],
  ['flat: 750 properties', () => ({ type: 'object', properties: props(748) })],
  ['flat: 1,000 properties', () => ({ type: 'object', properties: props(998) })],
  ['15-keyword properties: 16', () => ({ type: 'object', properties: props(16, busy) })],
  ['15-keyword properties: 32', () => ({ type: 'object', properties: props(32, busy) })],
  ['15-keyword properties: 48', () => ({ type: 'object', properties: props(48, busy) })],
  ['15-keyword properties: 64', () => ({ type: 'object', properties: props(64, busy) })],
  ['fan-out: 2 refs x 200 props', () => fanOut(2, 200)],
  ['fan-out: 4 refs x 200 props', () => fanOut(4, 200)],
  ['fan-out: 16 refs x 250 props', () => fanOut(16, 250)],
  ['fan-out: 50 refs x 880 props (issue 31)', () => fanOut(50, 880)],
  ['nested targets: refs to 8 levels over 900 props', () => nestedTargets(8, 900)],
  ['paths: 8 levels of 16-byte names over 480 props', () => longPath(8, 16, 480)],
  ['paths: 15 levels of 64-byte names over 300 props', () => longPath(15, 64, 300)],
  ['paths: a 30 KB name over 900 props', () => longPath(1, 30_000, 900)],
  ['patterns: 20 of [a-z]{30}', () => patterns(20, 30)],
  ['patterns: 30 of [a-z]{30}', () => patterns(30, 30)],
  ['patterns: 60 of [a-z]{30}', () => patterns(60, 30)],
  ['worst admissible: 478 nodes, 1.0 MB of paths, 1,934 pattern instructions', worst],
];

const cpuMs = (c) => (c.user + c.system) / 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

function timeOnce(compile, schema) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let refused = '';
  try {
    compile(schema);
  } catch (err) {
    refused = err.message;
  }
  return { wall: performance.now() - t0, cpu: cpuMs(process.cpuUsage(c0)), refused };
}

// Heap a compiled schema holds: copies kept alive (the schema objects built first, outside the count),
// after the cache was filled with tiny schemas (evicting a timed one would free its heap mid-count).
function heapPerCopy(make) {
  for (let i = 0; i < 100; i++) compileUntrustedSchema({ type: 'string', title: `flush ${i}` });
  const schemas = Array.from({ length: HEAP_COPIES }, (_, i) => ({ ...make(), title: `heap ${i}` }));
  const kept = [];
  globalThis.gc();
  globalThis.gc();
  const h0 = process.memoryUsage().heapUsed;
  for (const schema of schemas) kept.push(compileUntrustedSchema(schema, UNLIMITED));
  globalThis.gc();
  globalThis.gc();
  return (process.memoryUsage().heapUsed - h0) / kept.length;
}

// Heap the compiler options used before held per compiled schema (references copied where they stand).
function heapBefore(make) {
  const schemas = Array.from({ length: HEAP_COPIES }, (_, i) => ({ ...make(), title: `before heap ${i}` }));
  globalThis.gc();
  globalThis.gc();
  const h0 = process.memoryUsage().heapUsed;
  const kept = schemas.map((schema) => before(schema));
  globalThis.gc();
  globalThis.gc();
  return (process.memoryUsage().heapUsed - h0) / kept.length;
}

if (!globalThis.gc) throw new Error('run with node --expose-gc (npm run bench:schema does)');
// Warm-up: every code path compiled by V8 before anything is timed.
for (let i = 0; i < 3; i++) for (const [, make] of CASES) compileUntrustedSchema({ ...make(), title: `warm ${i}` }, UNLIMITED);

const results = new Map(CASES.map(([name]) => [name, { now: [], before: [], refuse: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, make] of CASES) {
    const r = results.get(name);
    const schema = { ...make(), title: `round ${round}` };
    r.now.push(timeOnce((s) => compileUntrustedSchema(s, UNLIMITED), schema));
    r.refuse.push(timeOnce((s) => compileUntrustedSchema(s), { ...schema, title: `refuse ${round}` }));
    // The old options past a second a compile are measured once: they only show what was at stake.
    if (round === 0 || median(r.before.map((x) => x.wall)) < 1_000) r.before.push(timeOnce(before, { ...schema, title: `before ${round}` }));
  }
}

console.log(`schema compile, ${ROUNDS} rounds, medians (min) in ms; limits: ${DEFAULT_SCHEMA_LIMITS.maxExpandedNodes} expanded nodes, ${DEFAULT_SCHEMA_LIMITS.maxPathBytes} path bytes, ${DEFAULT_SCHEMA_LIMITS.maxPatternCost} pattern instructions`);
console.log('case | bytes | expanded nodes | path bytes | pattern cost | compile wall | compile CPU | heap held | before: wall | before: heap | with the limits');
for (const [name, make] of CASES) {
  const schema = make();
  const { nodes, pathBytes } = measureExpansion(schema);
  const cost = [...patternsOf(schema)].reduce((sum, p) => sum + patternCost(p), 0);
  const r = results.get(name);
  const wall = r.now.map((x) => x.wall);
  const cpu = r.now.map((x) => x.cpu);
  const refusal = r.refuse[0].refused;
  const row = [
    name,
    JSON.stringify(schema).length,
    nodes,
    pathBytes,
    cost,
    `${fmt(median(wall))} (${fmt(Math.min(...wall))})`,
    `${fmt(median(cpu))} (${fmt(Math.min(...cpu))})`,
    median(wall) < 200 ? `${(heapPerCopy(make) / 1024).toFixed(0)} KB` : '-',
    `${fmt(median(r.before.map((x) => x.wall)))}${r.before.length === 1 ? ' (once)' : ''}`,
    median(r.before.map((x) => x.wall)) < 300 ? `${(heapBefore(make) / 1024).toFixed(0)} KB` : '-',
    refusal ? `refused in ${fmt(median(r.refuse.map((x) => x.wall)))} ms` : 'compiles',
  ];
  console.log(row.join(' | '));
}
