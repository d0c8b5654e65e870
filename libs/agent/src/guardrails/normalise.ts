import { canonicalChar, isMark, isWordChar, perCodePoint } from './canonical-char.js';
import { IntBuffer } from './int-buffer.js';

/** A text as guardrails read it, and the way back to the original. */
export interface NormalisedText {
  /**
   * The view: NFKC; digits of every script as ASCII digits; every space, dash, dot, slash and
   * connector as ' ', '-', '.', '/', '_'; invisible characters (format, zero-width, soft hyphen,
   * control) removed, and combining marks kept only on letters. Newlines stay.
   */
  readonly text: string;
  /** The span of the original text that view positions [start, end) came from: whole characters, with their combining marks. */
  toOriginal(start: number, end: number): { start: number; end: number };
  /** Whether something invisible was removed just before view position `at` (it still parted what stood either side). */
  hiddenBefore(at: number): boolean;
}

// Printable ASCII and line breaks read as they are (a backslash reads as a slash).
const NOT_PLAIN = /[^\n\r\x20-\x5b\x5d-\x7e]/g;
// Unicode's stream-safe text format: at most 30 marks on a character, which bounds each NFKC call.
const MAX_MARKS = 30;
const isAsciiDigit = (cp: number) => cp >= 48 && cp <= 57;
// Hangul vowel and final jamo compose with what comes before them, as combining marks do.
const composesWithPrevious = (cp: number) => isMark(cp) || (cp >= 0x1161 && cp <= 0x1175) || (cp >= 0x11a8 && cp <= 0x11c2);
const isPlainUnit = (unit: number) => (unit >= 0x20 && unit <= 0x7e && unit !== 0x5c) || unit === 10 || unit === 13;

const codePointsView = (segment: string) => {
  let out = '';
  for (const ch of segment.normalize('NFKC')) out += canonicalChar(ch.codePointAt(0)!);
  return out;
};
/** One character's view. */
const singleView = perCodePoint((cp) => codePointsView(String.fromCodePoint(cp)));

/**
 * Where each part of the view came from. A part is aligned (view character k came from original
 * character from + k) or one segment (all of it came from from..to, as NFKC's 'ﬁ' → 'fi' does).
 */
class OffsetMap {
  private readonly viewAt = new IntBuffer();
  private readonly from = new IntBuffer();
  private readonly to = new IntBuffer();
  private readonly aligned = new IntBuffer();

  constructor(private readonly textLength: number) {}

  add(viewAt: number, from: number, to: number, aligned: boolean): void {
    const last = this.viewAt.length - 1;
    // Consecutive aligned parts with nothing dropped between them are one part: plain text costs one entry.
    if (aligned && last >= 0 && this.aligned.at(last) && this.to.at(last) === from && this.viewAt.at(last) + (this.to.at(last) - this.from.at(last)) === viewAt) {
      this.to.set(last, to);
      return;
    }
    this.viewAt.push(viewAt);
    this.from.push(from);
    this.to.push(to);
    this.aligned.push(aligned ? 1 : 0);
  }

  toOriginal(viewLength: number, start: number, end: number): { start: number; end: number } {
    start = Math.max(0, Math.min(start, viewLength));
    end = Math.max(start, Math.min(end, viewLength));
    if (start === end) {
      const at = start === viewLength ? this.textLength : this.originalStart(start);
      return { start: at, end: at };
    }
    const last = this.find(end - 1);
    return { start: this.originalStart(start), end: this.aligned.at(last) ? this.from.at(last) + (end - this.viewAt.at(last)) : this.to.at(last) };
  }

  private originalStart(at: number): number {
    const part = this.find(at);
    return this.aligned.at(part) ? this.from.at(part) + (at - this.viewAt.at(part)) : this.from.at(part);
  }

  private find(at: number): number {
    let low = 0;
    let high = this.viewAt.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.viewAt.at(mid) <= at) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

const identity = (text: string): NormalisedText => ({ text, toOriginal: (start, end) => ({ start, end: Math.max(start, end) }), hiddenBefore: () => false });

/**
 * The character at `i` with the marks that compose with it (at most MAX_MARKS), mapped to its view:
 * marks kept only on a letter. Returns where the segment ends, what is kept, whether a mark was
 * dropped, and whether the view now ends on a letter.
 */
function readSegment(text: string, i: number, onLetter: boolean): { end: number; kept: string; markDropped: boolean; endsOnLetter: boolean } {
  const cp = text.codePointAt(i)!;
  let end = i + (cp > 0xffff ? 2 : 1);
  for (let marks = 0; end < text.length && marks < MAX_MARKS; marks++) {
    const next = text.codePointAt(end)!;
    if (!composesWithPrevious(next)) break;
    end += next > 0xffff ? 2 : 1;
  }
  const mapped = end - i === (cp > 0xffff ? 2 : 1) ? singleView(cp) : codePointsView(text.slice(i, end));
  // A mark kept apart from its letter by something invisible only decorates.
  if (singleView(cp) === '') onLetter = false;
  let kept = '';
  let markDropped = false;
  for (const ch of mapped) {
    const c = ch.codePointAt(0)!;
    if (isMark(c)) {
      if (onLetter) kept += ch;
      else markDropped = true;
      continue;
    }
    onLetter = isWordChar(c) && !isAsciiDigit(c);
    kept += ch;
  }
  return { end, kept, markDropped, endsOnLetter: onLetter };
}

/**
 * The normalised view of `text` that guardrails run their detectors on, with the map back to the
 * original, so a finding replaces exactly the characters it came from. Linear in the text's length.
 */
export function normalise(text: string): NormalisedText {
  NOT_PLAIN.lastIndex = 0;
  if (!NOT_PLAIN.test(text)) return identity(text);
  const units = new IntBuffer();
  const map = new OffsetMap(text.length);
  const hiddenAt = new IntBuffer();
  let dropped = false;
  // Marks stay on letters (ö decomposed is still ö) and go elsewhere (a mark on a digit only decorates it).
  let onLetter = false;
  const emit = (from: number, to: number, view: string, aligned: boolean) => {
    if (dropped) hiddenAt.push(units.length);
    dropped = false;
    map.add(units.length, from, to, aligned);
    for (let k = 0; k < view.length; k++) units.push(view.charCodeAt(k));
  };
  let i = 0;
  while (i < text.length) {
    let plainEnd = i;
    if (isPlainUnit(text.charCodeAt(i))) {
      NOT_PLAIN.lastIndex = i;
      plainEnd = NOT_PLAIN.exec(text)?.index ?? text.length;
    }
    // A mark after plain text composes with the character before it: that character starts the segment.
    if (plainEnd < text.length && plainEnd > i && isMark(text.codePointAt(plainEnd)!)) plainEnd--;
    if (plainEnd > i) {
      emit(i, plainEnd, text.slice(i, plainEnd), true);
      onLetter = isWordChar(text.charCodeAt(plainEnd - 1)) && !isAsciiDigit(text.charCodeAt(plainEnd - 1));
      i = plainEnd;
      continue;
    }
    const { end, kept, markDropped, endsOnLetter } = readSegment(text, i, onLetter);
    onLetter = endsOnLetter;
    if (kept) emit(i, end, kept, kept.length === 1 && end - i === 1);
    // What was dropped came after what was kept (marks follow their character).
    if (!kept || markDropped) dropped = true;
    i = end;
  }
  const viewLength = units.length;
  const hidden = new Uint8Array(viewLength + 1);
  for (const at of hiddenAt.values()) hidden[at] = 1;
  return { text: units.toText(), toOriginal: (start, end) => map.toOriginal(viewLength, start, end), hiddenBefore: (at) => hidden[at] === 1 };
}
