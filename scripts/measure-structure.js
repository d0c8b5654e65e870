// Prints the structure figures a maintainer watches (issue 33): the largest source files and
// functions in libs/, import cycles between source files, and the public export count of each
// package entry point. Run after a build: node scripts/measure-structure.js
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sources = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'dist' || name === 'node_modules') continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.ts') && !/\.(spec|contract|d)\.ts$/.test(path)) sources.push(path);
  }
};
for (const lib of readdirSync(join(root, 'libs'))) walk(join(root, 'libs', lib, 'src'));

const files = [];
const functions = [];
const graph = new Map();
for (const path of sources) {
  const text = readFileSync(path, 'utf8');
  const rel = relative(root, path);
  files.push({ rel, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) });
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  const edges = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = sf.getLineAndCharacterOfPosition(node.end).line;
      const name = node.name?.getText() ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : '<anonymous>');
      functions.push({ where: `${rel}:${start + 1} ${name}`, lines: end - start + 1 });
    }
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && !node.importClause?.isTypeOnly && !node.isTypeOnly) {
      const spec = node.moduleSpecifier.text;
      if (spec.startsWith('.')) edges.push(resolve(dirname(path), spec.replace(/\.js$/, '.ts')));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  graph.set(path, edges.filter((e) => sources.includes(e) || e.endsWith('.ts')));
}

// Cycles among runtime imports (type-only imports vanish at compile time and are not counted).
const cycles = [];
const state = new Map();
const stack = [];
const dfs = (node) => {
  state.set(node, 1);
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (state.get(next) === 1) cycles.push(stack.slice(stack.indexOf(next)).map((p) => relative(root, p)));
    else if (!state.has(next)) dfs(next);
  }
  stack.pop();
  state.set(node, 2);
};
for (const node of graph.keys()) if (!state.has(node)) dfs(node);

// Public exports per entry point, read from each package's built declaration files.
const exportsOf = [];
for (const lib of readdirSync(join(root, 'libs'))) {
  const pkg = JSON.parse(readFileSync(join(root, 'libs', lib, 'package.json'), 'utf8'));
  for (const [entry, target] of Object.entries(pkg.exports ?? {})) {
    const types = join(root, 'libs', lib, target.types ?? target);
    const program = ts.createProgram([types], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
    const checker = program.getTypeChecker();
    const sf = program.getSourceFile(types);
    const symbol = sf && checker.getSymbolAtLocation(sf);
    exportsOf.push({ entry: `${pkg.name}${entry.slice(1)}`, count: symbol ? checker.getExportsOfModule(symbol).length : 'not built' });
  }
}

files.sort((a, b) => b.lines - a.lines);
functions.sort((a, b) => b.lines - a.lines);
console.log('largest files:');
for (const f of files.slice(0, 5)) console.log(`  ${f.lines}\t${f.rel}`);
console.log(`files over 400 lines: ${files.filter((f) => f.lines > 400).length}`);
console.log('largest functions:');
for (const f of functions.slice(0, Number(process.env.TOP ?? 5))) console.log(`  ${f.lines}\t${f.where}`);
console.log(`functions over 60 lines: ${functions.filter((f) => f.lines > 60).length}`);
console.log(`import cycles: ${cycles.length}`);
for (const c of cycles.slice(0, 10)) console.log(`  ${c.join(' -> ')}`);
console.log('public exports:');
for (const e of exportsOf) console.log(`  ${e.count}\t${e.entry}`);
