import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { normalise } from './normalise.js';

/** The original characters behind each view character. */
const origins = (text: string) => {
  const view = normalise(text);
  return [...Array(view.text.length).keys()].map((k) => {
    const { start, end } = view.toOriginal(k, k + 1);
    return text.slice(start, end);
  });
};

describe('normalise', () => {
  it('returns plain text as it is, with the identity map', () => {
    const view = normalise('Order 12, mail a@b.co\nnext line');
    expect(view.text).toBe('Order 12, mail a@b.co\nnext line');
    expect(view.toOriginal(6, 8)).toEqual({ start: 6, end: 8 });
    expect(view.hiddenBefore(3)).toBe(false);
  });

  it('reads digits of every script as ASCII digits', () => {
    // Fullwidth, Arabic-Indic, extended Arabic-Indic, Devanagari, Bengali, Thai, Tibetan, Myanmar, N'Ko, Adlam, mathematical bold, circled, superscript.
    for (const zero of [0xff10, 0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0xf20, 0x1040, 0x7c0, 0x1e950, 0x1d7ce]) {
      expect(normalise(Array.from({ length: 10 }, (_, d) => String.fromCodePoint(zero + d)).join('')).text).toBe('0123456789');
    }
    // The last of the five runs of mathematical digits, which follow each other with no gap.
    expect(normalise('\u{1d7f6}\u{1d7ff}').text).toBe('09');
    expect(normalise('⓪①⑨ ¹²³').text).toBe('019 123');
  });

  it('unifies spaces, dashes, dots, slashes and connectors, and drops what is invisible', () => {
    expect(normalise('a\u00a0b\u2009c\u202fd\u3000e\tf').text).toBe('a b c d e f');
    expect(normalise('1\u20102\u20113\u20134\u20145\u22126\uff0d7\ufe638').text).toBe('1-2-3-4-5-6-7-8');
    expect(normalise('1\u00b72\u20243\uff0e4\u30025\u30fb6').text).toBe('1.2.3.4.5.6');
    expect(normalise('1\u20442\u22153\uff0f4\\5').text).toBe('1/2/3/4/5');
    expect(normalise('1\uff3f2\u203f3').text).toBe('1_2_3');
    expect(normalise('4\u200b1\u200c1\u200d1\u2060\ufeff1\u00ad1\u202e1\u20661\u00001\u007f1').text).toBe('4111111111');
    expect(normalise('jane\uff20example\ufe6bcom').text).toBe('jane@example@com');
  });

  it('composes marks on letters and drops marks that only decorate a digit or a separator', () => {
    expect(normalise('jo\u0308rg').text).toBe('jörg');
    expect(normalise('4\ufe0f\u20e31\u0301-\u0332').text).toBe('41-');
    // Marks on a letter that do not compose stay with it; Hangul jamo compose into their syllable.
    expect(normalise('q\u0307').text).toBe('q\u0307');
    expect(normalise('\u1100\u1173\u11af').text).toBe('글');
  });

  it('maps every view character back to the whole original character it came from', () => {
    expect(origins('ﬁ½٣\u{1d7cf}a\u0301\u200bb')).toEqual(['ﬁ', 'ﬁ', '½', '½', '½', '٣', '\u{1d7cf}', 'a\u0301', 'b']);
    const view = normalise('card ٤١١١\u200b١١١١ end');
    expect(view.text).toBe('card 41111111 end');
    expect(view.toOriginal(5, 13)).toEqual({ start: 5, end: 14 });
    expect(view.hiddenBefore(9)).toBe(true);
    expect(view.hiddenBefore(8)).toBe(false);
    expect(view.toOriginal(17, 17)).toEqual({ start: 18, end: 18 });
  });

  it('bounds the marks on one character, and survives lone surrogates', () => {
    const flood = `a${'\u0301'.repeat(100)}b`;
    expect(normalise(flood).text).toMatch(/^á\u0301{29}\u0301{70}b$/);
    expect(normalise('\ud800x\udfff').text).toBe('\ud800x\udfff');
  });

  it('holds for any text: its own normal form, no invisible or non-ASCII digit left, and a map that runs forward over whole characters', () => {
    const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: fc.constantFrom(...'a1 -.\u200b\u00ad\u0301\u0308٣４𝟏ﬁ½@＠\n\u00a0'), maxLength: 80 }));
    fc.assert(
      fc.property(anyText, (text) => {
        const view = normalise(text);
        expect(normalise(view.text).text).toBe(view.text);
        expect(view.text).not.toMatch(/[\p{Cf}]|(?![0-9])\p{Nd}/u);
        const spans = [...Array(view.text.length).keys()].map((k) => view.toOriginal(k, k + 1));
        // Each view character comes from the same original character as the one before it, or from one after it.
        const forward = spans.every((s, k) => s.end > s.start && s.end <= text.length && (k === 0 || (s.start === spans[k - 1].start && s.end === spans[k - 1].end) || s.start >= spans[k - 1].end));
        expect(forward).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
