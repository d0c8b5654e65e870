import { describe, expect, it } from '@jest/globals';
import { PiiRedactor } from '../pii-redaction.js';

const redactor = new PiiRedactor();
const redact = (text: string) => redactor.redact(text).text;

describe('PII redaction on the normalised view', () => {
  it.each([
    ['dots', 'card 4111.1111.1111.1111 ok', 'card [CARD_1] ok'],
    ['slashes', 'card 4111/1111/1111/1111', 'card [CARD_1]'],
    ['spaced dashes', 'card 4111 - 1111 – 1111 — 1111', 'card [CARD_1]'],
    ['non-breaking spaces', 'card 4111\u00a01111\u202f1111\u20071111', 'card [CARD_1]'],
    ['zero-width separators', 'card 4111\u200b1111\u200c1111\u20601111', 'card [CARD_1]'],
    ['soft hyphens', 'card 4111\u00ad1111\u00ad1111\u00ad1111', 'card [CARD_1]'],
    ['underscores', 'card 4111_1111_1111_1111', 'card [CARD_1]'],
    ['fullwidth digits', 'card ４１１１ １１１１ １１１１ １１１１', 'card [CARD_1]'],
    ['Arabic-Indic digits', 'card ٤١١١ ١١١١ ١١١١ ١١١١', 'card [CARD_1]'],
    ['Devanagari digits', 'card ४१११-११११-११११-११११', 'card [CARD_1]'],
    ['circled digits and keycaps', 'card ④①①① 1\ufe0f\u20e31\ufe0f\u20e311 𝟏𝟏𝟏𝟏 ¹¹¹¹', 'card [CARD_1]'],
  ])('finds a card written with %s', (_, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it.each([
    ['a fullwidth @', 'mail jane.doe＠example.com', 'mail [EMAIL_1]'],
    ['a small @', 'mail jane.doe﹫example.com', 'mail [EMAIL_1]'],
    ['spaces around @', 'mail jane.doe @ example.com, or jane.doe@ example.com', 'mail [EMAIL_1], or [EMAIL_1]'],
    ['zero-width characters around @', 'mail jane.doe\u200b@\u200bexample.com', 'mail [EMAIL_1]'],
    ['a non-ASCII local part', 'mail jörg@example.com', 'mail [EMAIL_1]'],
    ['an international domain and ideographic dots', 'mail jörg@bücher。de. or user@例え.jp', 'mail [EMAIL_1]. or [EMAIL_2]'],
    ['a soft hyphen and a decomposed accent', 'mail jo\u0308rg@exa\u00admple.com', 'mail [EMAIL_1]'],
    ['quotes around it', "mail 'jane@x.com', o'brien@x.com", "mail '[EMAIL_1]', [EMAIL_2]"],
  ])('finds a whole email address with %s', (_, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('finds phone numbers, IBANs, SSNs and national insurance numbers written the same ways', () => {
    expect(redact('phone +1 (555) 123\u20114567, +1\u00a0555\u2013123\u20134567, ٠٥٥٥١٢٣٤٥٦٧, + 44 20 7946 0958')).toBe('phone [PHONE_1], [PHONE_1], [PHONE_2], [PHONE_3]');
    expect(redact('iban GB82\u00a0WEST\u00a01234\u00a05698\u00a07654\u00a032, ＧＢ８２ ＷＥＳＴ １２３４ ５６９８ ７６５４ ３２, gb82-west-1234-5698-7654-32 and more')).toBe('iban [IBAN_1], [IBAN_1], [IBAN_1] and more');
    expect(redact('ssn 123\u201345\u20136789, 123—45—6789, 123\u200b45\u200b6789')).toBe('ssn [SSN_1], [SSN_1], [SSN_1]');
    expect(redact('nino ＡＢ １２ ３４ ５６ Ｃ, AB-12-34-56-C')).toBe('nino [NINO_1], [NINO_1]');
  });

  it.each([
    ['commas', 'card 4111,1111,1111,1111.', 'card [CARD_1].'],
    ['pipes', 'card 4111|1111|1111|1111', 'card [CARD_1]'],
    ['line breaks', 'card\n4111\n1111\n1111\n1111\nthanks', 'card\n[CARD_1]\nthanks'],
    ['CR LF and U+2028', 'card 4111\r\n1111\r\n1111\r\n1111 and 4111\u20281111\u20281111\u20281111', 'card [CARD_1] and [CARD_1]'],
    ['an x', 'card 4111x1111x1111x1111', 'card [CARD_1]'],
    ['bullets, quotes and fullwidth commas', "4111•1111•1111•1111 or 4111'1111'1111'1111 or 4111’1111’1111’1111 or 4111，1111，1111，1111", '[CARD_1] or [CARD_1] or [CARD_1] or [CARD_1]'],
    ['Amex grouping and colons', 'amex 3782:822463:10005', 'amex [CARD_1]'],
  ])('finds a card in its printed grouping with %s', (_, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('finds the other kinds written with list separators, lookalikes, O for zero, line breaks and lower case', () => {
    expect(redact('phone +44 2O 7946 O958, +44,20,7946,0958, +44|20|7946|0958 or +44\n20\n7946\n0958')).toBe('phone [PHONE_1], [PHONE_1], [PHONE_1] or [PHONE_1]');
    expect(redact('iban DE89\n3704\n0044\n0532\n0130\n00, DE89,3704,0044,0532,0130,00, DE89|3704|0044|0532|0130|00!')).toBe('iban [IBAN_1], [IBAN_1], [IBAN_1]!');
    expect(redact('iban ДЕ89 3704 0044 0532 0130 00 and GВ82 WEST 1234 5698 7654 32')).toBe('iban [IBAN_1] and [IBAN_2]');
    expect(redact('mail jane\n@example.com, jane   @   example.com, jane@example . com.')).toBe('mail [EMAIL_1], [EMAIL_1], [EMAIL_1].');
    expect(redact('nino jg103759a, JG\n10\n37\n59\nA')).toBe('nino [NINO_1], [NINO_1]');
    // Three numbers of 3, 2 and 4 digits, or a short signed list, are data, not an SSN or a phone number.
    for (const data of ['widget,250,11,2024', 'Scores: 120, 45, 1300', 'dims 120x45x1300', '[120, 45, 1300]', 'Results: 150|12|2024', 'Qty\n100\n25\n1500', '+20,30,40,500']) expect(redact(data)).toBe(data);
  });

  it('reads long runs of digits as the numbers in them', () => {
    expect(redact('two 555-123-4567 / 555-765-4321')).toBe('two [PHONE_1] / [PHONE_2]');
    expect(redact('ssn and phone 123-45-6789 555-123-4567')).toBe('ssn and phone [SSN_1] [PHONE_1]');
    expect(redact('cards 4111 1111 1111 1111 5500 0000 0000 0004')).toBe('cards [CARD_1] [CARD_2]');
    // A card with wide separators beside another number is still read whole.
    expect(redact('ref 12 4111 - 1111 - 1111 - 1111')).toBe('ref 12 [CARD_1]');
    // A 16-digit number that fails the card check stays a number (as before).
    expect(redact('bad card 4111 1111 1111 1112')).toBe('bad card 4111 1111 1111 1112');
  });

  it('gives the same value the same placeholder however it is written, and hands back each original', () => {
    const found = new PiiRedactor({ restoreInReply: true }).redact('4111 1111 1111 1111 and ４１１１-１１１１-１１１１-１１１１; Jane@Example.com, jane＠example。com');
    expect(found.text).toMatch(/^\[CARD_1_(\w{6})\] and \[CARD_1_\1\]; \[EMAIL_1_\1\], \[EMAIL_1_\1\]$/);
    expect(Object.values(found.restore)).toEqual(['4111 1111 1111 1111', 'Jane@Example.com']);
    expect(found.counts).toEqual({ CARD: 2, EMAIL: 2 });
    // In the detectors' order (emails first), not the text's, so a reason reads the same for the same findings.
    expect(Object.keys(found.counts)).toEqual(['EMAIL', 'CARD']);
  });

  it('runs custom patterns on the view, after the built-in kinds', () => {
    const custom = new PiiRedactor({ patterns: { employee: 'EMP-\\d{6}', digits: '\\d{4}' } });
    expect(custom.redact('ＥＭＰ‐１２３４５６ and EMP-654321, card 4111 1111 1111 1111').text).toBe('[EMPLOYEE_1] and [EMPLOYEE_2], card [CARD_1]');
    // A custom label that is also a built-in one continues its numbering.
    expect(new PiiRedactor({ kinds: ['email'], patterns: { email: 'mail:\\w+' } }).redact('a@b.co mail:x').text).toBe('[EMAIL_1] [EMAIL_2]');
  });

  it('finds only the kinds asked for', () => {
    const only = new PiiRedactor({ kinds: ['card'] });
    expect(only.redact('4111 1111 1111 1111, 555-123-4567, jane@x.com').text).toBe('[CARD_1], 555-123-4567, jane@x.com');
  });

  it('survives what ends the text early: a trailing @, +, marks, lone surrogates', () => {
    for (const text of ['@', 'a@', 'a@b.', '+', '+1', '4111 1111 1111 111\u0301', '\ud800', 'x\udfff@y.co', 'a @ ', '1-', 'GB82', 'AB 12 34 56']) {
      expect(() => redactor.redact(text)).not.toThrow();
    }
    expect(redact('x\ud800y@b.co')).toBe('x\ud800[EMAIL_1]');
  });
});
