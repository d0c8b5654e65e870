import { readChain } from './alnum-chain.js';
import { mod97Step } from './checksums.js';
import { isAsciiAlnum, type Scan } from './scan.js';

const LENGTH = { min: 15, max: 34 };
const isLetter = (unit: number) => (unit | 32) >= 97 && (unit | 32) <= 122;
const isDigit = (unit: number) => unit >= 48 && unit <= 57;
// A country's two letters, two check digits, then letters and digits.
const shape = (index: number, unit: number) => (index < 2 ? isLetter(unit) : index < 4 ? isDigit(unit) : isAsciiAlnum(unit));

/** Finds IBANs (mod-97-checked), spaced or not: the longest that checks, ending where a word ends. */
export function findIbans(scan: Scan): void {
  const { text } = scan;
  for (let i = 0; i < text.length; i++) {
    if (!isLetter(text.charCodeAt(i)) || !scan.isFree(i) || !scan.startsWord(i)) continue;
    const chain = readChain(scan, i, LENGTH.max, shape);
    if (chain.chars.length < LENGTH.min) continue;
    // The check moves the first four characters to the end: the rest is folded once, each candidate end adds those four.
    let rest = 0;
    let longest = -1;
    for (let k = 4; k < chain.chars.length; k++) {
      rest = mod97Step(rest, chain.chars.charCodeAt(k));
      if (k + 1 < LENGTH.min || !scan.endsWord(chain.at[k] + 1)) continue;
      let whole = rest;
      for (let q = 0; q < 4; q++) whole = mod97Step(whole, chain.chars.charCodeAt(q));
      if (whole === 1) longest = k;
    }
    if (longest < 0) continue;
    scan.report(i, chain.at[longest] + 1, 'IBAN', chain.chars.slice(0, longest + 1).toUpperCase());
    i = chain.at[longest];
  }
}
