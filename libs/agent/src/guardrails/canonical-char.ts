// What one character (already NFKC-normalised) becomes in the view that guardrails read: what a
// reader does not see is dropped, and what a reader reads past (a digit of another script, another
// dash, space, dot or slash) becomes its plain ASCII form, so obfuscation cannot change a finding.

const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Cc}]/u;
const DIGIT = /\p{Nd}/u;
const SPACE = /\p{Zs}/u;
const DASH = /\p{Pd}/u;
const CONNECTOR = /\p{Pc}/u;
const MARK = /\p{M}/u;
const WORD = /[\p{L}\p{M}\p{N}]/u;

// Code points NFKC leaves alone that still read as a dash, a dot or a slash between digits.
const DASH_LIKE = new Set([0x2d7, 0x2043, 0x2212, 0x2796, 0x23af, 0x2500, 0x2501, 0x30fc, 0xff70]);
const DOTS = new Set([0xb7, 0x387, 0x589, 0x6d4, 0x16eb, 0x2027, 0x2219, 0x22c5, 0x2e31, 0x3002, 0x30fb]);
const SLASHES = new Set([0x5c, 0x2044, 0x2215, 0x2216, 0x2571, 0x2572, 0x27cb, 0x27cd, 0x29f5, 0x29f8, 0x29f9, 0xfe68]);

// ASCII: itself; a tab becomes a space and a backslash a slash; other control characters go (newlines stay: they end a line).
const ASCII = Array.from({ length: 128 }, (_, c) => (c === 9 ? ' ' : c === 10 || c === 13 ? String.fromCharCode(c) : c < 32 || c === 127 ? '' : c === 0x5c ? '/' : String.fromCharCode(c)));

/** The value (0 to 9) of a decimal digit of any script: Unicode encodes each script's digits as ten in a row from zero, so the zero is found by walking down. */
function digitValue(cp: number): number {
  let zero = cp;
  while (zero > 0 && DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
  return (cp - zero) % 10;
}

function classify(cp: number): string {
  const ch = String.fromCodePoint(cp);
  // NEL is a control character that renders as a line break: it stays one.
  if (cp === 0x85) return '\n';
  if (INVISIBLE.test(ch)) return '';
  if (DIGIT.test(ch)) return String(digitValue(cp));
  if (SPACE.test(ch)) return ' ';
  if (DASH.test(ch) || DASH_LIKE.has(cp)) return '-';
  if (DOTS.has(cp)) return '.';
  if (SLASHES.has(cp)) return '/';
  if (CONNECTOR.test(ch)) return '_';
  return ch;
}

/** A function of a code point, cached: a table for the Basic Multilingual Plane, a bounded map above it (hostile text may hold every code point once). */
export function perCodePoint<T>(compute: (cp: number) => T): (cp: number) => T {
  const bmp = new Array<T | undefined>(0x10000);
  const astral = new Map<number, T>();
  return (cp) => {
    if (cp < 0x10000) return (bmp[cp] ??= compute(cp));
    let value = astral.get(cp);
    if (value === undefined) {
      value = compute(cp);
      if (astral.size < 65_536) astral.set(cp, value);
    }
    return value;
  };
}

const viewOf = perCodePoint(classify);
const markOf = perCodePoint((cp) => MARK.test(String.fromCodePoint(cp)));
const wordOf = perCodePoint((cp) => WORD.test(String.fromCodePoint(cp)));

/** What a code point (already NFKC) becomes in the view: '' when it is invisible. */
export function canonicalChar(cp: number): string {
  return cp < 128 ? ASCII[cp] : viewOf(cp);
}

/** Combining marks: they belong to the character before them. */
export function isMark(cp: number): boolean {
  return cp >= 0x300 && markOf(cp);
}

/** Letters, marks and numbers of any script (ASCII letters and digits included). */
export function isWordChar(cp: number): boolean {
  if (cp < 128) return (cp >= 48 && cp <= 57) || ((cp | 32) >= 97 && (cp | 32) <= 122);
  return wordOf(cp);
}
