import { luhn } from './checksums.js';
import type { NumberKinds } from './numbers.js';
import { listAfter, listBefore, unusualSeparatorEnd } from './separators.js';
import { isDigitAt, isWordAt, type Scan } from './scan.js';

// Cards and phone numbers whose groups are parted by an unusual separator (a comma, a pipe, a line
// break...: see separators.ts), and phone numbers with the letter O for a zero. Lists of numbers are
// written the same way, so each is accepted only in the exact shape of its kind, and not as an item
// of a longer list. Not SSNs: three numbers of 3, 2 and 4 digits ("Scores: 120, 45, 1300",
// "widget,250,11,2024") are ordinary data far more often than a disguised SSN.

/** How cards are printed: 4-4-4-4, 4-6-5 and 4-6-4 (Amex, Diners), 4-4-4-4-3. */
const CARD_SHAPES = ['4,4,4,4', '4,6,5', '4,6,4', '4,4,4,4,3'];
const PHONE = { min: 9, max: 15 };
/** Digits a phone number parted by list separators needs: a signed list ("+20,30,40,500") is shorter than a number with its country code. */
const LISTED_PHONE_MIN = 10;
// Groups read before a run is surely a list (one more than the longest shape).
const MAX_GROUPS = 5;
// What an ordinary digit run holds between two digits (digit-runs.ts): groups next to one of these and a digit are part of a longer number.
const ORDINARY = ' ./_()-';
const ORDINARY_AFTER = /^[ ./_()-]{1,3}\d/;
const ORDINARY_BEFORE = /\d[ ./_()-]{1,3}$/;

/**
 * A card number's issuer prefix (Mastercard 2221-2720, then the 3 to 6 of travel, Visa, Mastercard,
 * Discover and others): years (19xx, 20xx) and most counters do not start like one.
 */
function hasIssuerPrefix(digits: string): boolean {
  const first = digits.charCodeAt(0) - 48;
  if (first >= 3 && first <= 6) return true;
  const four = Number(digits.slice(0, 4));
  return four >= 2221 && four <= 2720;
}

/** Groups of digits joined by one unusual separator: their sizes, where the last starts and ends, and whether something continues them. */
interface Groups {
  readonly digits: string;
  readonly shape: string;
  readonly lastStart: number;
  readonly end: number;
  readonly continued: boolean;
}

function readGroups(scan: Scan, start: number): Groups {
  const { text } = scan;
  const sizes: number[] = [];
  let digits = '';
  let separator = '';
  for (let at = start; ; ) {
    let end = at;
    while (isDigitAt(text, end) && scan.isFree(end)) end++;
    // Past the longest shape only the count matters: a long list costs no more than reading it.
    if (sizes.length <= MAX_GROUPS) {
      sizes.push(end - at);
      digits += text.slice(at, end);
    }
    const next = unusualSeparatorEnd(scan, end, 'digits');
    if (next > 0 && isDigitAt(text, next) && scan.isFree(next) && (!separator || (next - end === separator.length && text.startsWith(separator, end)))) {
      separator ||= text.slice(end, next);
      at = next;
      continue;
    }
    // Another list, another number or a word right after the last group: not a code on its own.
    const continued = !separator || isWordAt(text, end) || listAfter(scan, end) || ORDINARY_AFTER.test(text.slice(end, end + 4));
    return { digits, shape: sizes.join(','), lastStart: at, end, continued };
  }
}

/** Finds cards (Luhn-checked, with an issuer's prefix) written with unusual separators. */
function findGroupedCards(scan: Scan): void {
  const { text } = scan;
  for (let i = 0; i < text.length; i++) {
    if (!isDigitAt(text, i) || !scan.isFree(i) || isDigitAt(text, i - 1)) continue;
    const groups = readGroups(scan, i);
    // The last group may start a list of its own (after another separator): each group is read at most twice, so this is linear.
    const next = groups.lastStart > i ? groups.lastStart - 1 : groups.end - 1;
    if (groups.continued || listBefore(scan, i) || ORDINARY_BEFORE.test(text.slice(Math.max(0, i - 4), i)) || isWordAt(text, i - 1)) {
      i = next;
      continue;
    }
    const { shape, digits } = groups;
    if (CARD_SHAPES.includes(shape) && hasIssuerPrefix(digits) && luhn(digits)) scan.report(i, groups.end, 'CARD', digits);
    else {
      i = next;
      continue;
    }
    i = groups.end - 1;
  }
}

const isOh = (unit: number) => unit === 79 || unit === 111;

/** A group of a phone number: digits, perhaps with the letter O for some zeros, at least one a digit, and not the start of a word ("Or"). */
function readPhoneGroup(scan: Scan, at: number): { end: number; digits: string; oh: boolean } | undefined {
  const { text } = scan;
  let end = at;
  let digits = '';
  let oh = false;
  let real = false;
  for (; scan.isFree(end); end++) {
    const unit = text.charCodeAt(end);
    if (unit >= 48 && unit <= 57) real = true;
    else if (isOh(unit)) oh = true;
    else break;
    digits += isOh(unit) ? '0' : text[end];
  }
  return real && !isWordAt(text, end) ? { end, digits, oh } : undefined;
}

/**
 * A phone number after a '+' whose groups are parted by one unusual separator, bare (a country code
 * of 1 to 3 digits, then groups of 2 to 4, one at least of 3 or 4), or that has the letter O for some zeros; its value has the
 * zeros back. Any other is left to the digit runs (numbers.ts), which read it as before.
 */
function readPhone(scan: Scan, plus: number): { end: number; digits: string } | undefined {
  const { text } = scan;
  let at = plus + 1;
  while (at - plus <= 3 && (text[at] === ' ' || text[at] === '(') && scan.isFree(at)) at++;
  if (!isDigitAt(text, at) || text[at] === '0') return undefined;
  let group: ReturnType<typeof readPhoneGroup> = readPhoneGroup(scan, at);
  if (!group) return undefined;
  const sizes = [group.end - at];
  let { digits, oh } = group;
  let separator = '';
  for (;;) {
    const end: number = group.end;
    const unusual = unusualSeparatorEnd(scan, end, 'phone');
    let next = unusual;
    if (unusual < 0) for (next = end; next - end < 3 && ORDINARY.includes(text[next] ?? 'a') && scan.isFree(next); next++);
    const sep = unusual < 0 ? ORDINARY : text.slice(end, next);
    group = next > end && (!separator || sep === separator) ? readPhoneGroup(scan, next) : undefined;
    if (group && digits.length + group.digits.length <= PHONE.max) {
      separator = sep;
      sizes.push(group.end - next);
      digits += group.digits;
      oh ||= group.oh;
      continue;
    }
    if (digits.length < PHONE.min || listAfter(scan, end) || ORDINARY_AFTER.test(text.slice(end, end + 4))) return undefined;
    if (separator === ORDINARY || !separator) return oh ? { end, digits } : undefined;
    // A signed list ("+10,20,30,40,50") has no subscriber group of three or four digits, nor spaces within its separators ("+10, 20, …").
    const groups = sizes.slice(1);
    const grouped = groups.length >= 2 && sizes[0] <= 3 && groups.every((n) => n >= 2 && n <= 4) && groups.some((n) => n >= 3) && !separator.includes(' ');
    return grouped && digits.length >= LISTED_PHONE_MIN ? { end, digits } : undefined;
  }
}

/** Finds phone numbers with unusual separators or the letter O for zero. */
function findSpelledPhones(scan: Scan): void {
  const { text } = scan;
  for (let plus = text.indexOf('+'); plus !== -1; plus = text.indexOf('+', plus + 1)) {
    if (!scan.isFree(plus) || isWordAt(text, plus - 1) || listBefore(scan, plus)) continue;
    const phone = readPhone(scan, plus);
    if (!phone) continue;
    scan.report(plus, phone.end, 'PHONE', phone.digits);
    plus = phone.end - 1;
  }
}

/** Runs before the digit runs (numbers.ts), which would read these numbers' groups as short numbers apart. */
export function findSeparatedNumbers(scan: Scan, kinds: NumberKinds): void {
  if (kinds.card) findGroupedCards(scan);
  if (kinds.phone) findSpelledPhones(scan);
}
