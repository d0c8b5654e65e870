import { LOOKALIKES } from './latin-lookalikes.js';
import { normalise } from './normalise.js';

const LOOKALIKE = new RegExp(`[${Object.keys(LOOKALIKES).join('')}]`, 'gu');

/**
 * Text as the injection guard reads it: the normalised view redaction uses (compatibility forms,
 * invisible characters, odd spaces), then without any combining mark ("i̇gnore" is "ignore"), and with
 * Cyrillic and Greek lookalikes read as the Latin letters they imitate.
 */
export function instructionView(text: string): string {
  return normalise(text)
    .text.normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(LOOKALIKE, (c) => LOOKALIKES[c] ?? c)
    // The dotless i of Turkish reads as an i, and no mark or table above makes it one.
    .replace(/ı/g, 'i');
}
