import { readChain } from './alnum-chain.js';
import type { Scan } from './scan.js';

// UK national insurance numbers: two prefix letters (some never issued), six digits, a suffix A to D.
const FIRST = 'ABCEGHJKLMNOPRSTWXYZ';
const SECOND = 'ABCEGHJKLMNPRSTWXYZ';
const NEVER = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);
const shape = (index: number, unit: number) => {
  const ch = String.fromCharCode(unit);
  if (index === 0) return FIRST.includes(ch);
  if (index === 1) return SECOND.includes(ch);
  return index < 8 ? unit >= 48 && unit <= 57 : 'ABCD'.includes(ch);
};

/** Finds UK national insurance numbers, spaced or not. */
export function findNinos(scan: Scan): void {
  const { text } = scan;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 65 || unit > 90 || !FIRST.includes(text[i]) || !scan.isFree(i) || !scan.startsWord(i)) continue;
    const chain = readChain(scan, i, 9, shape);
    if (chain.chars.length < 9 || !scan.endsWord(chain.at[8] + 1) || NEVER.has(chain.chars.slice(0, 2))) continue;
    scan.report(i, chain.at[8] + 1, 'NINO', chain.chars);
    i = chain.at[8];
  }
}
