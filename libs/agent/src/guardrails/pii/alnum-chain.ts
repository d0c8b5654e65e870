import { isAsciiAlnum, type Scan } from './scan.js';

/** ASCII letters and digits joined by short separators, from a word's start: one code (IBAN, NINO), however it is spaced. */
export interface AlnumChain {
  readonly chars: string;
  /** View position of each character. */
  readonly at: readonly number[];
}

const GAP = new Set([...' -./_'].map((c) => c.charCodeAt(0)));
const MAX_GAP = 3;

/**
 * Reads up to `max` characters from `start`, each accepted by `allowed` (its index in the code and
 * its code unit): the code's shape, so a chain that cannot be one stops early.
 */
export function readChain(scan: Scan, start: number, max: number, allowed: (index: number, unit: number) => boolean): AlnumChain {
  const { text } = scan;
  const at: number[] = [];
  let chars = '';
  for (let k = start; at.length < max; ) {
    const unit = text.charCodeAt(k);
    if (!scan.isFree(k) || !isAsciiAlnum(unit) || !allowed(at.length, unit)) break;
    at.push(k);
    chars += text[k];
    let next = k + 1;
    while (next - k - 1 < MAX_GAP && GAP.has(text.charCodeAt(next)) && scan.isFree(next)) next++;
    k = next;
  }
  return { chars, at };
}
