// Every TypeScript (and TSX) block of the READMEs as a file of the consumer app, so CI type-checks the docs
// against the packed packages exactly as a user would paste them.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The READMEs a user reads: the repository's and each package's. */
export function readmes() {
  return ['README.md', ...readdirSync('libs').map((lib) => join('libs', lib, 'README.md'))];
}

/** The ```ts and ```tsx blocks of one Markdown text, with the line each starts on and its file ending. */
export function tsBlocks(markdown) {
  const blocks = [];
  const fence = /^```(ts|typescript|tsx)\s*$([\s\S]*?)^```\s*$/gm;
  for (const m of markdown.matchAll(fence)) {
    blocks.push({ line: markdown.slice(0, m.index).split('\n').length + 1, code: m[2].replace(/^\n/, ''), ext: m[1] === 'tsx' ? 'tsx' : 'ts' });
  }
  return blocks;
}

/**
 * Writes one module per block into a folder per README under `dir` and returns their paths. A block
 * whose first line is a file name comment (`// app.module.ts`) is written under that name, so the
 * blocks of one app import each other as the reader's files would. Each ends with `export {}` so it
 * is a module: a block's names stay its own, and the placeholders a fragment leans on
 * (docs-placeholders.d.ts: `provider`, `redis`, ...) are shadowed where a block defines them.
 */
export function writeDocSnippets(dir) {
  const paths = [];
  for (const file of readmes()) {
    const folder = join(dir, file.replace(/\/?README\.md$/, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase() || 'readme');
    mkdirSync(folder, { recursive: true });
    for (const { line, code, ext } of tsBlocks(readFileSync(file, 'utf8'))) {
      const named = /^\/\/ ([\w.-]+\.tsx?)\b/.exec(code)?.[1];
      const path = join(folder, named ?? `L${line}.${ext}`);
      writeFileSync(path, `${code}\nexport {};\n// ${file}, line ${line}\n`);
      paths.push(path);
    }
  }
  return paths;
}
