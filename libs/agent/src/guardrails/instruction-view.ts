import { normalise } from './normalise.js';

// Latin letters' lookalikes in Cyrillic and Greek, as the injection guard reads them: "іgnоrе"
// written with Cyrillic і, о and е reads as "ignore". Only the letters a phrase can be spelled with.
const LOOKALIKES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'i', ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h',
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X', І: 'I', Ј: 'J', Ѕ: 'S',
  α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
};
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
    .replace(LOOKALIKE, (c) => LOOKALIKES[c] ?? c);
}
