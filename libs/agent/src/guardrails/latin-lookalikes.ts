// Latin letters' lookalikes in Cyrillic and Greek: "іgnоrе" written with Cyrillic і, о and е reads
// as "ignore", and "DЕ89 …" with a Cyrillic Е is still a German IBAN. Only letters a reader takes
// for the Latin one.
export const LOOKALIKES: Readonly<Record<string, string>> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'i', ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h',
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X', І: 'I', Ј: 'J', Ѕ: 'S',
  α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
};

// Every lookalike is one UTF-16 unit, so a detector reading units can map them one at a time.
const BY_UNIT = new Map(Object.entries(LOOKALIKES).map(([from, to]) => [from.charCodeAt(0), to.charCodeAt(0)]));

/** The Latin letter a Cyrillic or Greek lookalike imitates, as a code unit; any other unit as it is. */
export function latinUnit(unit: number): number {
  return unit < 0x370 ? unit : (BY_UNIT.get(unit) ?? unit);
}
