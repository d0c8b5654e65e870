// Every TypeScript (and TSX) block of the READMEs and docs/ as a file of the consumer app, so CI type-checks the docs
// against the packed packages exactly as a user would paste them.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** The pages a user reads: the repository's README, each package's, and docs/ (not the generated API reference). */
export function readmes() {
  const docs = readdirSync('docs', { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md') && !file.startsWith('api/'))
    .map((file) => join('docs', file))
    .sort();
  return ['README.md', ...readdirSync('libs').map((lib) => join('libs', lib, 'README.md')), ...docs];
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

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading) {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The anchors of one Markdown text's headings (outside code blocks), repeats numbered as GitHub does. */
export function anchorsOf(markdown) {
  const seen = new Map();
  const anchors = new Set();
  for (const line of markdown.replace(/^```[\s\S]*?^```/gm, '').split('\n')) {
    const heading = /^#{1,6} (.+)$/.exec(line)?.[1];
    if (!heading) continue;
    const base = anchorOf(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

/** Every relative link of the pages that points at no file, or at no heading of its file: `page: target`. */
export function brokenLinks(pages = readmes()) {
  const broken = [];
  for (const page of pages) {
    const text = readFileSync(page, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [path, anchor] = target.split('#');
      const file = path ? normalize(join(dirname(page), path)) : page;
      if (!existsSync(file)) broken.push(`${page}: ${target}`);
      else if (anchor && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${page}: ${target}`);
    }
  }
  return broken;
}
