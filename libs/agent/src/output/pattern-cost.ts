import { definitionsOf, eachSubschema, isObject, resolveRef, type Json } from './schema-structure.js';

// RE2 compiles a pattern to a program whose size is what compiling (and matching) costs: `a{1000}`
// is a thousand instructions from seven characters. This reads a pattern once, without compiling it,
// and answers an upper bound of that size; anything it does not recognise counts as a literal.

interface Frame {
  /** Instructions of the group so far. */
  sum: number;
  /** Instructions of the last atom, which a repetition operator applies to (0: none). */
  last: number;
  /** Capturing group: two more instructions, three when empty (RE2 adds a no-op). */
  capture: boolean;
}

const REPEAT = /^\{(\d+)(,(\d*))?\}/;

/**
 * Instructions of `atom` repeated: x* x+ x? add a loop or a branch; x{n,m} is n copies and m-n
 * optional ones. A copy may cost one more (RE2 guards a repeated empty match with a no-op).
 */
function repeated(atom: number, min: number, max: number | undefined): number {
  if (max === undefined) return Math.max(min, 1) * (atom + 1) + 2;
  return Math.max(1, min * (atom + 1) + (max - min) * (atom + 2));
}

/** End of a bracketed class that starts at `start` ('['): RE2 reads `[]a]` and `[^]a]` as classes holding ']'. */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  while (i < pattern.length && pattern[i] !== ']') {
    if (pattern[i] === '\\') i = escapeEnd(pattern, i);
    else if (pattern.startsWith('[:', i) && pattern.indexOf(':]', i + 2) > 0) i = pattern.indexOf(':]', i + 2) + 2;
    else i++;
  }
  return i + 1;
}

/** End of an escape that starts at `start` ('\\'): \p{Greek}, \x{10FFFF} and \pL are one atom each. */
function escapeEnd(pattern: string, start: number): number {
  const c = pattern[start + 1];
  if ((c === 'p' || c === 'P' || c === 'x') && pattern[start + 2] === '{') {
    const close = pattern.indexOf('}', start + 3);
    return close < 0 ? pattern.length : close + 1;
  }
  if (c === 'p' || c === 'P') return start + 3;
  if (c === 'x') return start + 4;
  return start + 2;
}

/** The program's size as a pattern is read: a frame per open group, the last atom for the next operator. */
class ProgramSize {
  private readonly frames: Frame[] = [{ sum: 0, last: 0, capture: false }];

  private get top(): Frame {
    return this.frames[this.frames.length - 1];
  }

  atom(size: number): void {
    this.top.sum += size;
    this.top.last = size;
  }

  /** `length` quoted characters: one atom for the last (what an operator repeats), one instruction each before it. */
  literal(length: number): void {
    if (!length) return;
    this.top.sum += length - 1;
    this.atom(1);
  }

  repeat(min: number, max: number | undefined): void {
    const size = repeated(this.top.last, min, max);
    this.top.sum += size - this.top.last;
    this.top.last = size;
  }

  /** A branch instruction, and an empty alternative compiles to one more. */
  branch(): void {
    this.top.sum += 2;
    this.top.last = 0;
  }

  open(capture: boolean): void {
    this.frames.push({ sum: 0, last: 0, capture });
  }

  /** Closes the innermost group; false when none is open (a stray ')' is then a literal). */
  close(): boolean {
    if (this.frames.length === 1) return false;
    const group = this.frames.pop()!;
    this.atom(group.sum + (group.capture ? 3 : 0));
    return true;
  }

  total(): number {
    // An unclosed group still costs what it holds.
    while (this.frames.length > 1) {
      const group = this.frames.pop()!;
      this.top.sum += group.sum + 3;
    }
    // The program's own start, match and failure instructions.
    return this.frames[0].sum + 3;
  }
}

/** Reads a '(' at `i`: a flag group (?i) matches nothing; any other opens a group. Returns where reading goes on. */
function openGroup(pattern: string, i: number, size: ProgramSize): number {
  const flags = /^\(\?[a-zA-Z-]*\)/.exec(pattern.slice(i, i + 16));
  if (flags) return i + flags[0].length;
  const named = /^\(\?P?<[^>]*>/.exec(pattern.slice(i, i + 300));
  size.open(true);
  return i + (named ? named[0].length : pattern[i + 1] === '?' ? Math.max(2, pattern.indexOf(':', i) + 1 - i) : 1);
}

/** Reads the token at `i` into `size` and returns where the next one starts. */
function readToken(pattern: string, i: number, size: ProgramSize): number {
  const c = pattern[i];
  if (c === '\\' && pattern[i + 1] === 'Q') {
    // \Q...\E quotes its characters literally.
    const end = pattern.indexOf('\\E', i + 2);
    size.literal((end < 0 ? pattern.length : end) - (i + 2));
    return end < 0 ? pattern.length : end + 2;
  }
  if (c === '\\') {
    size.atom(1);
    return escapeEnd(pattern, i);
  }
  if (c === '[') {
    size.atom(1);
    return classEnd(pattern, i);
  }
  if (c === '(') return openGroup(pattern, i, size);
  if (c === ')' && size.close()) return i + 1;
  if (c === '|') {
    size.branch();
    return i + 1;
  }
  if (c === '*' || c === '+' || c === '?') {
    size.repeat(c === '+' ? 1 : 0, c === '?' ? 1 : undefined);
    // A following '?' makes the operator lazy: the same program.
    return i + (pattern[i + 1] === '?' ? 2 : 1);
  }
  const counted = c === '{' ? REPEAT.exec(pattern.slice(i, i + 24)) : null;
  if (counted) {
    const min = Number(counted[1]);
    size.repeat(min, counted[2] === undefined ? min : counted[3] === '' ? undefined : Number(counted[3]));
    return i + counted[0].length + (pattern[i + counted[0].length] === '?' ? 1 : 0);
  }
  size.atom(1);
  return i + 1;
}

/** An upper bound of the size of the RE2 program a pattern compiles to. */
export function patternCost(pattern: string): number {
  const size = new ProgramSize();
  for (let i = 0; i < pattern.length; ) i = readToken(pattern, i, size);
  return size.total();
}

/** Every distinct pattern Ajv would compile for a schema (`pattern` and `patternProperties`), referenced schemas included. */
export function patternsOf(root: Json): Set<string> {
  const patterns = new Set<string>();
  const seen = new Set<Json>();
  const pending: Json[] = [root];
  while (pending.length) {
    const schema = pending.pop()!;
    if (!isObject(schema) || seen.has(schema)) continue;
    seen.add(schema);
    if (typeof schema.pattern === 'string') patterns.add(schema.pattern);
    if (isObject(schema.patternProperties)) for (const key of Object.keys(schema.patternProperties)) patterns.add(key);
    if (Object.hasOwn(schema, '$ref')) pending.push(resolveRef(root, schema.$ref));
    eachSubschema(schema, (child) => pending.push(child));
    pending.push(...definitionsOf(schema));
  }
  return patterns;
}
