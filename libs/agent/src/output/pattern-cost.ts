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

/** An upper bound of the size of the RE2 program a pattern compiles to. */
export function patternCost(pattern: string): number {
  const frames: Frame[] = [{ sum: 0, last: 0, capture: false }];
  const atom = (size: number) => {
    const top = frames[frames.length - 1];
    top.sum += size;
    top.last = size;
  };
  const repeat = (min: number, max: number | undefined) => {
    const top = frames[frames.length - 1];
    const size = repeated(top.last, min, max);
    top.sum += size - top.last;
    top.last = size;
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    const counted = c === '{' ? REPEAT.exec(pattern.slice(i, i + 24)) : null;
    if (c === '\\' && pattern[i + 1] === 'Q') {
      // \Q...\E quotes its characters literally.
      const end = pattern.indexOf('\\E', i + 2);
      const text = pattern.slice(i + 2, end < 0 ? pattern.length : end);
      if (text.length) {
        frames[frames.length - 1].sum += text.length - 1;
        atom(1);
      }
      i = end < 0 ? pattern.length : end + 2;
    } else if (c === '\\') {
      atom(1);
      i = escapeEnd(pattern, i);
    } else if (c === '[') {
      atom(1);
      i = classEnd(pattern, i);
    } else if (c === '(') {
      const flags = /^\(\?[a-zA-Z-]*\)/.exec(pattern.slice(i, i + 16));
      const named = /^\(\?P?<[^>]*>/.exec(pattern.slice(i, i + 300));
      if (flags) {
        // (?i) sets flags and matches nothing.
        i += flags[0].length;
        continue;
      }
      frames.push({ sum: 0, last: 0, capture: true });
      i += named ? named[0].length : pattern[i + 1] === '?' ? Math.max(2, pattern.indexOf(':', i) + 1 - i) : 1;
    } else if (c === ')' && frames.length > 1) {
      const group = frames.pop()!;
      atom(group.sum + (group.capture ? 3 : 0));
      i++;
    } else if (c === '|') {
      // A branch instruction, and an empty alternative compiles to one more.
      const top = frames[frames.length - 1];
      top.sum += 2;
      top.last = 0;
      i++;
    } else if (c === '*' || c === '+' || c === '?') {
      repeat(c === '?' ? 0 : c === '+' ? 1 : 0, c === '?' ? 1 : undefined);
      // A following '?' makes the operator lazy: the same program.
      i += pattern[i + 1] === '?' ? 2 : 1;
    } else if (counted) {
      const min = Number(counted[1]);
      repeat(min, counted[2] === undefined ? min : counted[3] === '' ? undefined : Number(counted[3]));
      i += counted[0].length + (pattern[i + counted[0].length] === '?' ? 1 : 0);
    } else {
      atom(1);
      i++;
    }
  }
  // An unclosed group still costs what it holds.
  while (frames.length > 1) {
    const group = frames.pop()!;
    frames[frames.length - 1].sum += group.sum + 3;
  }
  // The program's own start, match and failure instructions.
  return frames[0].sum + 3;
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
