import { readChain } from './alnum-chain.js';
import { isDigitAt, type Scan } from './scan.js';

// UK national insurance numbers: two prefix letters (some never issued), six digits, a suffix A to D.
const FIRST = 'ABCEGHJKLMNOPRSTWXYZ';
const SECOND = 'ABCEGHJKLMNPRSTWXYZ';
const NEVER = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);
const upper = (unit: number) => String.fromCharCode(unit >= 97 ? unit - 32 : unit);
const shape = (index: number, unit: number) => {
  if (index === 0) return FIRST.includes(upper(unit));
  if (index === 1) return SECOND.includes(upper(unit));
  return index < 8 ? unit >= 48 && unit <= 57 : 'ABCD'.includes(upper(unit));
};
// Where a NINO is printed parted (AB 12 34 56 C): an unusual separator (a line break, a comma) only there.
const GROUP_STARTS = new Set([2, 4, 6, 8]);

/**
 * Whether a chain of a NINO's shape is written as one: capitals, spaced or not, any unusual
 * separator between its printed groups only; or lower case written as one word ("jg103759a"), since
 * spaced lower case reads as prose ("at 12 34 56 a").
 */
function writtenAsOne(chars: string, gap: readonly number[]): boolean {
  const letters = chars[0] + chars[1] + chars[8];
  if (letters === letters.toLowerCase()) return gap.every((g) => g === 0);
  return letters === letters.toUpperCase() && gap.every((g, k) => g !== 2 || GROUP_STARTS.has(k));
}

/** Finds UK national insurance numbers, spaced or not, capitals or lower case. */
export function findNinos(scan: Scan): void {
  const { text } = scan;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // Lower case is read written as one word only: prose's words ("me", "be") stop at their third character.
    if (unit >= 97 && !isDigitAt(text, i + 2)) continue;
    if (unit < 65 || unit > 122 || !FIRST.includes(upper(unit)) || !scan.isFree(i) || !scan.startsWord(i)) continue;
    const chain = readChain(scan, i, 9, shape, { unusual: true });
    if (chain.chars.length < 9 || !scan.endsWord(chain.at[8] + 1) || NEVER.has(chain.chars.slice(0, 2).toUpperCase()) || !writtenAsOne(chain.chars, chain.gap)) continue;
    scan.report(i, chain.at[8] + 1, 'NINO', chain.chars.toUpperCase());
    i = chain.at[8];
  }
}
