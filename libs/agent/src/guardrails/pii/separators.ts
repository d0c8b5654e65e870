import { isDigitAt, type Scan } from './scan.js';

// Separators that part the groups of a code for a reader but that no ordinary way of writing one
// number uses: list punctuation, a line break, a bullet, a quote, a times sign. A list of numbers
// is written with them too, so detectors accept them only between groups of a code's exact shape,
// with one and the same separator throughout (see separated.ts, iban.ts, nino.ts).
const UNUSUAL = ",|:;+*~#'’•×\n\r\u2028\u2029";
const UNUSUAL_UNITS = new Set([...UNUSUAL].map((c) => c.charCodeAt(0)));
// 'x' too between digits ("4111x1111x…"), but not inside a code of letters and digits, where it is a letter.
const X_UNITS = new Set([120, 88]);
const MAX_SPACES = 2;

/** Which unusual separators a detector reads: between digits an 'x' too; in a phone number not a '+', which starts the next one. */
export type SeparatorSet = 'digits' | 'phone' | 'code';

/**
 * The end of an unusual separator at view position `at`: up to two spaces, one unusual character
 * (a CR LF pair counts as one line break), up to two spaces; -1 when none stands there.
 */
export function unusualSeparatorEnd(scan: Scan, at: number, set: SeparatorSet): number {
  const { text } = scan;
  let k = at;
  // Most calls stand on a letter or digit: answered before any loop.
  if (text.charCodeAt(k) !== 32 && !UNUSUAL_UNITS.has(text.charCodeAt(k)) && !X_UNITS.has(text.charCodeAt(k))) return -1;
  while (k - at < MAX_SPACES && text.charCodeAt(k) === 32 && scan.isFree(k)) k++;
  const unit = text.charCodeAt(k);
  const accepted = UNUSUAL_UNITS.has(unit) ? set !== 'phone' || unit !== 43 : set === 'digits' && X_UNITS.has(unit);
  if (!accepted || !scan.isFree(k)) return -1;
  k += unit === 13 && text.charCodeAt(k + 1) === 10 && scan.isFree(k + 1) ? 2 : 1;
  const after = k;
  while (k - after < MAX_SPACES && text.charCodeAt(k) === 32 && scan.isFree(k)) k++;
  return k;
}

/**
 * Whether a digit stands just before `at`, or just before an unusual separator that ends there:
 * then digits starting at `at` are an item of a list ("7, 4111,1111,1111,1111"), not a code.
 */
export function listBefore(scan: Scan, at: number): boolean {
  const { text } = scan;
  let k = at - 1;
  for (let n = 0; n < MAX_SPACES && text[k] === ' '; n++) k--;
  // A digit another detector took is another finding, not an item of this list.
  const freeDigit = (p: number) => isDigitAt(text, p) && scan.isFree(p);
  if (!UNUSUAL_UNITS.has(text.charCodeAt(k)) && !X_UNITS.has(text.charCodeAt(k))) return freeDigit(at - 1);
  k -= text[k] === '\n' && text[k - 1] === '\r' ? 2 : 1;
  for (let n = 0; n < MAX_SPACES && text[k] === ' '; n++) k--;
  return freeDigit(k);
}

/** Whether a digit follows `at` after an unusual separator: the code before `at` is then an item of a list. */
export function listAfter(scan: Scan, at: number): boolean {
  const next = unusualSeparatorEnd(scan, at, 'digits');
  return next >= 0 && isDigitAt(scan.text, next) && scan.isFree(next);
}
