import { latinUnit } from '../latin-lookalikes.js';
import { readChain, type AlnumChain } from './alnum-chain.js';
import { mod97Step } from './checksums.js';
import { isAsciiAlnum, type Scan } from './scan.js';

const LENGTH = { min: 15, max: 34 };
const isLetter = (unit: number) => (unit | 32) >= 97 && (unit | 32) <= 122;
const isDigit = (unit: number) => unit >= 48 && unit <= 57;
// A country's two letters, two check digits, then letters and digits.
const shape = (index: number, unit: number) => (index < 2 ? isLetter(unit) : index < 4 ? isDigit(unit) : isAsciiAlnum(unit));

// The countries that issue IBANs (the SWIFT IBAN registry): an IBAN written an unusual way must be one of theirs.
const COUNTRIES = new Set(
  'AD AE AL AT AZ BA BE BG BH BI BR BY CH CR CY CZ DE DJ DK DO EE EG ES FI FK FO FR GB GE GI GL GR GT HN HR HU IE IL IQ IS IT JO KW KZ LB LC LI LT LU LV LY MC MD ME MK MN MR MT MU NI NL NO OM PK PL PS PT QA RO RS RU SA SC SD SE SI SK SM SO ST SV TL TN TR UA VA VG XK YE'.split(' '),
);

/**
 * Which lengths of the chain may be an IBAN written an unusual way: unusual separators (a comma, a
 * line break...) only every four characters, as IBANs are printed, with something parting every
 * four; and a lookalike letter only in a registry country's IBAN. A list ("DE,12,345,…") or a
 * Cyrillic word before digits is not written like one. Lengths written the ordinary way all may be.
 */
const ANY_LENGTH = () => true;

function acceptedLengths(chain: AlnumChain): (length: number) => boolean {
  const { gap, chars } = chain;
  if (!chain.unusual && chain.firstLookalike < 0) return ANY_LENGTH;
  const country = COUNTRIES.has(chars.slice(0, 2).toUpperCase());
  let firstUnusual = -1;
  let printedUpTo = 0;
  for (let k = 1; k < gap.length && (gap[k] !== 2 || k % 4 === 0) && (k % 4 !== 0 || gap[k] > 0); k++) printedUpTo = k;
  for (let k = 1; k < gap.length && firstUnusual < 0; k++) if (gap[k] === 2) firstUnusual = k;
  return (length) => {
    const unusual = firstUnusual >= 0 && firstUnusual < length;
    const lookalike = chain.firstLookalike >= 0 && chain.firstLookalike < length;
    if (!unusual && !lookalike) return true;
    return country && (!unusual || printedUpTo >= length - 1);
  };
}

// Lookalike letters read as Latin ones, and Д as the D it is written for ("ДЕ89 …" is a German IBAN).
const latin = (unit: number) => (unit === 0x414 ? 68 : unit === 0x434 ? 100 : latinUnit(unit));

/** Finds IBANs (mod-97-checked), spaced or not: the longest that checks, ending where a word ends. */
export function findIbans(scan: Scan): void {
  const { text } = scan;
  for (let i = 0; i < text.length; i++) {
    if (!isLetter(latin(text.charCodeAt(i))) || !scan.isFree(i) || !scan.startsWord(i)) continue;
    const chain = readChain(scan, i, LENGTH.max, shape, { unusual: true, latin });
    if (chain.chars.length < LENGTH.min) continue;
    const accepted = acceptedLengths(chain);
    // The check moves the first four characters to the end: the rest is folded once, each candidate end adds those four.
    let rest = 0;
    let longest = -1;
    for (let k = 4; k < chain.chars.length; k++) {
      rest = mod97Step(rest, chain.chars.charCodeAt(k));
      if (k + 1 < LENGTH.min || !scan.endsWord(chain.at[k] + 1) || !accepted(k + 1)) continue;
      let whole = rest;
      for (let q = 0; q < 4; q++) whole = mod97Step(whole, chain.chars.charCodeAt(q));
      if (whole === 1) longest = k;
    }
    if (longest < 0) continue;
    scan.report(i, chain.at[longest] + 1, 'IBAN', chain.chars.slice(0, longest + 1).toUpperCase());
    i = chain.at[longest];
  }
}
