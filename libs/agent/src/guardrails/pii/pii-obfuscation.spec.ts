import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InMemoryStore } from '@agentnest/memory';
import { mock } from '@agentnest/providers';
import { Agent } from '../../agent.js';
import type { AgentEvent } from '../../events/agent-event.js';
import { NarrativeRecorder } from '../../events/narrative.recorder.js';
import { PiiRedactor, piiRedaction } from '../pii-redaction.js';

// Personal data written the way someone hiding it from a filter would (separators, invisible
// characters, digits of other scripts, fullwidth forms, spaced or lookalike '@'), in random text:
// after redaction, nothing of it can be read back, and each occurrence is replaced whole.

const RUNS = 2000;

/** Each script's zero (ASCII, fullwidth, Arabic-Indic and extended, N'Ko, Devanagari, Bengali, Gurmukhi, Gujarati, Tamil, Telugu, Thai, Lao, Tibetan, Myanmar, Khmer, Mongolian, Saurashtra, Osmanya, Adlam, five mathematical styles). */
const ZEROS = [0x30, 0xff10, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xbe6, 0xc66, 0xe50, 0xed0, 0xf20, 0x1040, 0x17e0, 0x1810, 0xa8d0, 0x104a0, 0x1e950, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6];
const TABLES = [[...'⓪①②③④⑤⑥⑦⑧⑨'], [...'⁰¹²³⁴⁵⁶⁷⁸⁹']];
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u2063', '\u180e', '\u034f', '\u202a', '\u202c', '\u061c'];
const SEPARATORS = [' ', '-', '.', '/', '_', ' - ', ' – ', ' — ', '–', '—', '‐', '‑', '−', '\u00a0', '\u202f', '\u2009', '\u2007', '\u3000', '．', '／', '・', '·', '＿', '\u200b-\u200b', ' \u00ad', ...INVISIBLE];
// What stands between the data and the text around it: never a separator alone, which would join them into one number.
const DELIMITERS = [', ', ': ', '\n', '; ', ' | ', ' « ', ' » ', '! ', '? '];

const digitForm = fc.oneof(fc.constantFrom(...ZEROS).map((zero) => (d: number) => String.fromCodePoint(zero + d)), fc.constantFrom(...TABLES).map((table) => (d: number) => table[d]));
const letterForm = fc.constantFrom(
  (c: string) => c,
  (c: string) => c.toLowerCase(),
  (c: string) => String.fromCodePoint(0xff21 + c.charCodeAt(0) - 65),
  (c: string) => String.fromCodePoint(0x1d400 + c.charCodeAt(0) - 65),
);
const oneOf = <T,>(weightNone: number, values: T[], none: T) => fc.oneof({ weight: weightNone, arbitrary: fc.constant(none) }, { weight: 2, arbitrary: fc.constantFrom(...values) });
const charStyle = (separators: string[]) => fc.record({ digit: digitForm, letter: letterForm, mark: oneOf(4, ['\u20e3', '\ufe0f\u20e3', '\u0332', '\u0301', '\u20dd'], ''), after: oneOf(3, separators, '') });

/** `value` (digits, capital letters, '+') written in a random style per character, `separators` between them. */
const obfuscated = (value: string, separators = SEPARATORS) =>
  fc.array(charStyle(separators), { minLength: value.length, maxLength: value.length }).map((styles) =>
    [...value].map((c, i) => (/\d/.test(c) ? styles[i].digit(+c) + styles[i].mark : /[A-Z]/.test(c) ? styles[i].letter(c) : c) + (i < value.length - 1 ? styles[i].after : '')).join(''),
  );

const digits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
const luhnCheckDigit = (body: string) => {
  const sum = [...body].reverse().reduce((s, c, i) => s + (i % 2 === 0 ? [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][+c] : +c), 0);
  return String((10 - (sum % 10)) % 10);
};
const card = fc.integer({ min: 13, max: 19 }).chain((n) => digits(n - 1, n - 1)).map((body) => body + luhnCheckDigit(body));
const phone = fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 9 }), digits(9, 14)).map(([plus, first, rest]) => `${plus ? '+' : ''}${first}${rest}`);
const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const iban = fc.tuple(fc.constantFrom('GB', 'DE', 'FR', 'NL', 'ES', 'IT', 'BE', 'CH', 'IE', 'PL', 'SE', 'NO'), fc.array(fc.constantFrom(...ALNUM), { minLength: 11, maxLength: 30 })).map(([country, chars]) => {
  const bban = chars.join('');
  const rest = [...`${bban}${country}00`].reduce((r, c) => (/\d/.test(c) ? (r * 10 + +c) % 97 : (r * 100 + c.charCodeAt(0) - 55) % 97), 0);
  return `${country}${String(98 - rest).padStart(2, '0')}${bban}`;
});
const ssn = fc.tuple(fc.integer({ min: 1, max: 899 }).filter((a) => a !== 666), fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 9999 })).map(([a, g, s]) => `${String(a).padStart(3, '0')}${String(g).padStart(2, '0')}${String(s).padStart(4, '0')}`);
/** An SSN keeps its 3-2-4 grouping (dashes of any kind, or spaces), with invisible characters and any digits inside the groups. */
const ssnWritten = (value: string) =>
  fc.tuple(obfuscated(value.slice(0, 3), INVISIBLE), fc.constantFrom('-', '–', '—', '‑', '−', ' ', '\u00a0'), obfuscated(value.slice(3, 5), INVISIBLE), obfuscated(value.slice(5), INVISIBLE)).map(([a, dash, b, c]) => `${a}${dash}${b}${dash}${c}`);

const LOCAL = [...'abcdefghijklmnopqrstuvwxyz0123456789', ...'öéñüßçåøждлиαβγ中文한글ابกข'];
const DOMAIN = [...'abcdefghijklmnopqrstuvwxyz0123456789', ...'üöäéñжд中文日本한'];
const word = (alphabet: string[], inner: string[], max: number) =>
  fc.tuple(fc.constantFrom(...alphabet), fc.array(fc.constantFrom(...alphabet, ...inner), { maxLength: max }), fc.constantFrom(...alphabet)).map(([a, mid, z]) => a + mid.join('') + z);
const email = fc
  .tuple(word(LOCAL, ['.', '_', '+', '-'], 16), fc.array(word(DOMAIN, ['-'], 10), { minLength: 1, maxLength: 2 }), fc.constantFrom('com', 'org', 'de', 'io', 'co', 'museum', 'рф', '中国', 'みんな', 'ελ'))
  .map(([local, labels, tld]) => `${local}@${[...labels, tld].join('.')}`);
/** An address with a lookalike or spaced '@', ideographic dots, fullwidth or capital letters, decomposed accents, invisible characters anywhere. */
const emailWritten = (value: string) =>
  fc.array(fc.record({ invisible: oneOf(6, INVISIBLE, ''), form: fc.constantFrom('plain', 'plain', 'upper', 'fullwidth', 'decomposed') }), { minLength: value.length, maxLength: value.length }).chain((styles) =>
    fc.tuple(fc.constantFrom('@', '＠', '﹫', ' @ ', '\u200b@\u200b', '\u00a0@\u00a0', ' ＠', '@ ', '\u2060@', '\u00ad@'), fc.constantFrom('.', '。', '．', '｡')).map(([at, dot]) =>
      [...value]
        .map((c, i) => {
          const { invisible, form } = styles[i];
          if (c === '@') return at;
          if (c === '.' && value.indexOf('@') < i) return dot;
          const ascii = /[a-z0-9]/.test(c);
          const shown = form === 'upper' && ascii ? c.toUpperCase() : form === 'fullwidth' && ascii ? String.fromCodePoint(c.charCodeAt(0) + 0xfee0) : form === 'decomposed' ? c.normalize('NFD') : c;
          return (i > 0 ? invisible : '') + shown;
        })
        .join(''),
    ),
  );

// Separators a list is written with too (see separators.ts): found only in each kind's printed
// grouping, one separator throughout. What follows such a list with the same separator and a
// digit continues it, so these cases stand apart from the text by delimiters that do not.
const UNUSUAL = [',', '|', ':', ';', '+', '*', '~', '#', "'", '’', '•', '，', '\n', '\r', '\r\n', '\u2028', ' , ', ' | '];
const LIST_SAFE_DELIMITERS = [' « ', ' » ', '! ', '? '];
const inGroups = (value: string, sizes: number[]) => sizes.map((n, k) => value.slice(sizes.slice(0, k).reduce((a, b) => a + b, 0), sizes.slice(0, k + 1).reduce((a, b) => a + b, 0)));
/** Groups of `value`, each obfuscated within (digits of any script, invisible characters), joined by one separator. */
const printed = (value: string, sizes: number[], separators: string[]) =>
  fc.tuple(fc.constantFrom(...separators), ...inGroups(value, sizes).map((group) => obfuscated(group, INVISIBLE))).map(([separator, ...groups]) => groups.join(separator));

const CARD_GROUPINGS: Record<number, number[]> = { 14: [4, 6, 4], 15: [4, 6, 5], 16: [4, 4, 4, 4], 19: [4, 4, 4, 4, 3] };
const ISSUERS = ['4', '51', '55', '2221', '2720', '34', '37', '36', '35', '6011', '65'];
const printedCard = fc
  .tuple(fc.constantFrom(14, 15, 16, 19), fc.constantFrom(...ISSUERS))
  .chain(([n, issuer]) => digits(n - 1 - issuer.length, n - 1 - issuer.length).map((rest) => issuer + rest))
  .map((body) => body + luhnCheckDigit(body));
const cardWithListSeparators = (v: string) => printed(v, CARD_GROUPINGS[v.length], [...UNUSUAL, 'x', '×']);

/** Sizes that print `n` digits as a phone number's groups: 2 to 4 digits each, one at least of 3 or 4. */
const phoneGroups = (n: number) =>
  fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 8, maxLength: 8 }).map((picks) => {
    const sizes: number[] = [];
    let left = n;
    for (const pick of picks) {
      if (left <= 4) break;
      sizes.push(Math.min(pick, left - 2));
      left -= sizes.at(-1)!;
    }
    for (; left > 4; left -= 4) sizes.push(4);
    sizes.push(left);
    if (sizes.every((size) => size < 3)) sizes.splice(-2, 2, 4);
    return sizes;
  });
/** A phone number's digits after '+': a country code of 1 to 3 digits, then the groups. */
const printedPhone = (v: string) => fc.integer({ min: 1, max: 3 }).chain((cc) => phoneGroups(v.length - cc).map((sizes) => [v.slice(0, cc), ...inGroups(v.slice(cc), sizes)]));
const phoneWithListSeparators = (v: string) =>
  fc.tuple(printedPhone(v), fc.constantFrom(...UNUSUAL.filter((s) => !s.includes(' ') && s !== '+'))).chain(([groups, separator]) => fc.tuple(...groups.map((g) => obfuscated(g, INVISIBLE))).map((written) => `+${written.join(separator)}`));
/** Some zeros as the letter O (in any of its forms), each group keeping a digit; spaced or dashed as usual. */
const phoneWithOhs = (v: string) =>
  fc.tuple(printedPhone(v), fc.constantFrom(' ', '-', ' - ', '.'), fc.array(fc.boolean(), { minLength: v.length, maxLength: v.length })).chain(([groups, separator, coins]) => {
    let k = 0;
    const ohs = groups.map((g, i) => (i === 0 ? g : [...g].map((c, j) => (c === '0' && coins[k++] && j > 0 ? 'O' : c)).join('')));
    const first = ohs.findIndex((g, i) => i > 0 && g.slice(1).includes('0'));
    if (!ohs.some((g) => g.includes('O')) && first > 0) ohs[first] = ohs[first][0] + ohs[first].slice(1).replace('0', 'O');
    return fc.tuple(...ohs.map((g) => obfuscated(g, INVISIBLE))).map((written) => `+${written.join(separator)}`);
  });
const phoneWithZero = phone.map((p) => p.replace('+', '')).filter((p) => p.slice(1).includes('0') && p.length >= 9);

const LOOKALIKE: Record<string, string[]> = { B: ['В', 'Β'], D: ['Д'], E: ['Е', 'Ε'], I: ['І', 'Ι'], T: ['Т', 'Τ'], C: ['С'], H: ['Н', 'Η'], P: ['Р', 'Ρ'], O: ['О', 'Ο'], S: ['Ѕ'], N: ['Ν'] };
const countryLetter = (c: string) => fc.constantFrom(c, ...(LOOKALIKE[c] ?? []));
/** An IBAN in groups of four, one separator (a list's, or a space) between them, perhaps Cyrillic or Greek lookalikes in its country code. */
const ibanWithListSeparators = (v: string) =>
  fc
    .tuple(fc.constantFrom(...UNUSUAL, ' '), countryLetter(v[0]), countryLetter(v[1]), obfuscated(v.slice(2, 4), INVISIBLE), ...inGroups(v, Array.from({ length: Math.ceil(v.length / 4) }, (_, k) => Math.min(4, v.length - 4 * k))).slice(1).map((g) => obfuscated(g, INVISIBLE)))
    .map(([separator, a, b, check, ...groups]) => [a + b + check, ...groups].join(separator));

const FIRST = [...'ABCEGHJKLMNOPRSTWXYZ'];
const SECOND = [...'ABCEGHJKLMNPRSTWXYZ'];
const nino = fc
  .tuple(fc.constantFrom(...FIRST), fc.constantFrom(...SECOND), digits(6, 6), fc.constantFrom(...'ABCD'))
  .filter(([a, b]) => !['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ'].includes(a + b))
  .map(([a, b, d, c]) => `${a}${b}${d}${c}`);
/** Capitals in groups 2-2-2-2-1 with any one separator, or lower case written as one word (fullwidth too). */
const ninoWritten = (v: string) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(' ', '-', ...UNUSUAL), fc.boolean(), ...[2, 4, 6].map((k) => obfuscated(v.slice(k, k + 2), INVISIBLE))).map(([sep, wide, ...pairs]) => {
      const letter = (c: string) => (wide ? String.fromCodePoint(0xff21 + c.charCodeAt(0) - 65) : c);
      return [letter(v[0]) + letter(v[1]), ...pairs, letter(v[8])].join(sep);
    }),
    fc.tuple(obfuscated(v.slice(2, 8), INVISIBLE), fc.boolean()).map(([d, wide]) => {
      const letter = (c: string) => (wide ? String.fromCodePoint(0xff41 + c.charCodeAt(0) - 65) : c.toLowerCase());
      return `${letter(v[0])}${letter(v[1])}${d}${letter(v[8])}`;
    }),
  );

/** An address with a line break or three spaces by its '@', or spaces around its domain's dots (after a tight '@'). */
const emailWithBreaks = (value: string) =>
  fc.oneof(fc.tuple(fc.constantFrom('\n@', '\r\n@', '\u2028@', '   @   ', '@\n', ' \n @'), fc.constant('.')), fc.tuple(fc.constant('@'), fc.constantFrom(' . ', ' .', '   .   '))).map(([at, dot]) => {
    const [local, domain] = value.split('@');
    return `${local}${at}${domain.split('.').join(dot)}`;
  });

const VOCABULARY = ['call', 'mail', 'me', 'at', 'card', 'tel', 'IBAN', 'ORD-2024-000123', '2026-11-26', 'v1.2.3', '#12', 'x@y', '@', '+', 'jörg', '42', '12:30', '$1,234.56', 'ok.', '(see)'];
const TEXT_CHARS = [...'abcdefghijklmnopqrstuvwxyzéöüßЖж中文한ا0123456789,.;:!?()-@+ '];
const text = fc.array(fc.oneof(fc.constantFrom(...VOCABULARY), fc.string({ unit: fc.constantFrom(...TEXT_CHARS), minLength: 1, maxLength: 8 })), { maxLength: 6 }).map((w) => w.join(' '));

/** The text as a person reads it: compatibility forms folded, invisible characters and marks gone, digits of every script (those above) as ASCII. */
function reading(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\p{Cf}\p{Default_Ignorable_Code_Point}\p{M}]/gu, '')
    .replace(/\p{Nd}/gu, (d) => String(d.codePointAt(0)! - ZEROS.find((z) => d.codePointAt(0)! >= z && d.codePointAt(0)! <= z + 9)!))
    .replace(/[。｡]/g, '.')
    .toLowerCase();
}

const WORDLIKE = /[\p{L}\p{N}]/u;
/**
 * Whether `value` can be read back from `s`: its letters and digits in order, with nothing but
 * separators (no letter, digit or placeholder bracket) between them.
 */
function recoverable(s: string, value: string): boolean {
  const wanted = [...reading(value)].filter((c) => WORDLIKE.test(c));
  const seen = [...reading(s)];
  return seen.some((_, start) => {
    let matched = 0;
    for (let k = start; k < seen.length && matched < wanted.length; k++) {
      if (seen[k] === wanted[matched]) matched++;
      else if (matched === 0 || WORDLIKE.test(seen[k]) || seen[k] === '[' || seen[k] === ']') return false;
    }
    return matched === wanted.length;
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const redactor = new PiiRedactor();

/**
 * The property for one kind: `value`, written twice in two ways among random text, is read back
 * from neither, each occurrence is replaced whole (the text around it untouched) by a placeholder
 * with an accepted label, and both by the same one.
 */
function holdsFor(kind: string, value: fc.Arbitrary<string>, written: (v: string) => fc.Arbitrary<string>, labels: string[], delimiters = DELIMITERS) {
  const delimiter = fc.constantFrom(...delimiters);
  const cases = value.chain((v) => fc.record({ value: fc.constant(v), first: written(v), second: written(v), around: fc.tuple(text, delimiter, delimiter, text, delimiter, delimiter, text) }));
  it(`${kind}: never read back, replaced whole, the same value by the same placeholder (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(cases, ({ value: v, first, second, around: [before, l1, r1, middle, l2, r2, after] }) => {
        fc.pre(![before, middle, after].some((t) => recoverable(t, v)));
        // Brackets no text here holds mark where each occurrence's surroundings start and end.
        const out = redactor.redact(`${before}⟪${l1}${first}${r1}⟫${middle}⟬${l2}${second}${r2}⟭${after}`).text;
        expect(recoverable(out, v)).toBe(false);
        const placeholder = (open: string, l: string, r: string, close: string) => new RegExp(`${open}${escape(l)}\\[([A-Z]+)_\\d+\\]${escape(r)}${close}`).exec(out);
        const [one, two] = [placeholder('⟪', l1, r1, '⟫'), placeholder('⟬', l2, r2, '⟭')];
        expect(one && two).not.toBeNull();
        expect(labels).toContain(one![1]);
        expect(two![0].slice(1 + l2.length, -1 - r2.length)).toBe(one![0].slice(1 + l1.length, -1 - r1.length));
      }),
      { numRuns: RUNS },
    );
  });
}

describe('redaction of obfuscated personal data (property-based)', () => {
  holdsFor('cards (Luhn-valid, 13 to 19 digits)', card, (v) => obfuscated(v), ['CARD']);
  holdsFor('phone numbers (9 to 15 digits, perhaps +)', phone, (v) => obfuscated(v), ['PHONE', 'SSN', 'CARD']);
  holdsFor('IBANs (valid check digits)', iban, (v) => obfuscated(v), ['IBAN']);
  holdsFor('SSNs (3-2-4, dashes of any kind)', ssn, ssnWritten, ['SSN']);
  holdsFor('emails (international local parts and domains)', email, emailWritten, ['EMAIL']);
  holdsFor('UK national insurance numbers (capitals spaced any way, lower case as one word)', nino, ninoWritten, ['NINO'], LIST_SAFE_DELIMITERS);
});

describe('redaction of personal data written with list separators (property-based)', () => {
  holdsFor('cards (issuer prefix, Luhn-valid) in their printed grouping', printedCard, cardWithListSeparators, ['CARD'], LIST_SAFE_DELIMITERS);
  holdsFor('IBANs in groups of four, lookalike country letters', iban, ibanWithListSeparators, ['IBAN'], LIST_SAFE_DELIMITERS);
  holdsFor('emails with line breaks or spaces by the @ and dots', email.filter((e) => /\p{L}/u.test(e.split('@')[1].split('.')[0])), emailWithBreaks, ['EMAIL']);
  holdsFor('phone numbers after + with list separators', phone.map((p) => p.replace('+', '')).filter((p) => p.length >= 10), phoneWithListSeparators, ['PHONE'], LIST_SAFE_DELIMITERS);
  holdsFor('phone numbers after + with the letter O for zeros', phoneWithZero, phoneWithOhs, ['PHONE']);
});

describe('redaction through an agent with memory and recorders (property-based)', () => {
  it('keeps obfuscated personal data out of the model, memory, events and narrative, and gives the caller the message back whole', async () => {
    const values = fc.tuple(card, phone, iban, ssn, email);
    const cases = values.chain((v) => fc.record({ v: fc.constant(v), w: fc.tuple(obfuscated(v[0]), obfuscated(v[1]), obfuscated(v[2]), ssnWritten(v[3]), emailWritten(v[4])) }));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(cases, text, async ({ v, w }, filler) => {
        fc.pre(!v.some((value) => recoverable(filler, value)));
        const memory = new InMemoryStore();
        const provider = mock({ respond: (req) => `You said: ${req.messages.at(-1)!.content}` });
        const events: AgentEvent[] = [];
        const narrative = new NarrativeRecorder();
        const agent = Agent.create({ name: 'a', provider, model: 'm', memory, guardrails: { input: [piiRedaction({ restoreInReply: true })] } });
        const identity = { tenant: 'acme', principal: 'alice', conversationId: `c${n++}` };
        const message = `card: ${w[0]}; phone: ${w[1]}; iban: ${w[2]}; ssn: ${w[3]}; mail: ${w[4]}! ${filler}`;
        const result = await agent.run({ message, identity, recorders: [{ onEvent: (e: AgentEvent) => events.push(e) }, narrative] });
        expect(result).toMatchObject({ status: 'completed', text: `You said: ${message}` });
        const everywhere = JSON.stringify([provider.calls, await memory.load(identity), events, narrative.lines]);
        for (const value of v) expect(recoverable(everywhere, value)).toBe(false);
        expect(everywhere).toContain('card: [CARD_1_');
      }),
      { numRuns: 100 },
    );
  });
});
