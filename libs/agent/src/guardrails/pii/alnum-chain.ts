import { unusualSeparatorEnd } from './separators.js';
import { isAsciiAlnum, type Scan } from './scan.js';

/** ASCII letters and digits joined by short separators, from a word's start: one code (IBAN, NINO), however it is spaced. */
export interface AlnumChain {
  /** The characters, Cyrillic and Greek lookalikes (when read) as the Latin letters they imitate. */
  readonly chars: string;
  /** View position of each character. */
  readonly at: readonly number[];
  /** What stood before each character: 0 nothing, 1 an ordinary separator, 2 the chain's unusual one (see separators.ts). */
  readonly gap: readonly number[];
  /** Index of the first lookalike character, or -1. */
  readonly firstLookalike: number;
  /** Whether an unusual separator stands in it. */
  readonly unusual: boolean;
}

export interface ChainOptions {
  /** Also read groups parted by an unusual separator, one and the same throughout. */
  unusual?: boolean;
  /** How to read letters of other scripts as Latin ones (Cyrillic and Greek lookalikes, say). */
  latin?: (unit: number) => number;
}

const GAP = new Set([...' -./_'].map((c) => c.charCodeAt(0)));
const MAX_GAP = 3;

/**
 * Reads up to `max` characters from `start`, each accepted by `allowed` (its index in the code and
 * its code unit): the code's shape, so a chain that cannot be one stops early.
 */
export function readChain(scan: Scan, start: number, max: number, allowed: (index: number, unit: number) => boolean, options: ChainOptions = {}): AlnumChain {
  const { text } = scan;
  const at: number[] = [];
  const gap: number[] = [];
  let chars = '';
  let firstLookalike = -1;
  let separator = '';
  let kind = 0;
  for (let k = start; at.length < max; ) {
    const raw = text.charCodeAt(k);
    const unit = options.latin ? options.latin(raw) : raw;
    if (!scan.isFree(k) || !isAsciiAlnum(unit) || !allowed(at.length, unit)) break;
    if (unit !== raw && firstLookalike < 0) firstLookalike = at.length;
    at.push(k);
    gap.push(kind);
    chars += String.fromCharCode(unit);
    let next = k + 1;
    while (next - k - 1 < MAX_GAP && GAP.has(text.charCodeAt(next)) && scan.isFree(next)) next++;
    kind = next > k + 1 ? 1 : 0;
    // An unusual separator is looked for only where the chain would end: spaced codes cost no more than before.
    const unusual = options.unusual && !isAsciiAlnum(text.charCodeAt(next)) ? unusualSeparatorEnd(scan, k + 1, 'code') : -1;
    if (unusual >= 0) {
      // A second kind of unusual separator ends the chain: one code is written one way.
      if (separator && (unusual - k - 1 !== separator.length || !text.startsWith(separator, k + 1))) break;
      separator ||= text.slice(k + 1, unusual);
      next = unusual;
      kind = 2;
    }
    k = next;
  }
  return { chars, at, gap, firstLookalike, unusual: separator !== '' };
}
