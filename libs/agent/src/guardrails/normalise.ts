import { canonicalChar, isMark, isWordChar } from './canonical-char.js';

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

const codePointsView = (segment: string) => {
  let out = '';
  for (const ch of segment.normalize('NFKC')) out += canonicalChar(ch.codePointAt(0)!);
  return out;
};
const singleViews = new Map<number, string>();
/** One character's view, cached (bounded: hostile text may hold every code point once). */
function singleView(cp: number): string {
  let view = singleViews.get(cp);
  if (view === undefined) {
    view = codePointsView(String.fromCodePoint(cp));
    if (singleViews.size < 65_536) singleViews.set(cp, view);
  }
  return view;
}

/**
 * Where each part of the view came from. A part is aligned (view character k came from original
 * character from + k) or one segment (all of it came from from..to, as NFKC's 'ﬁ' → 'fi' does).
 */
class OffsetMap {
  private readonly viewAt: number[] = [];
  private readonly from: number[] = [];
  private readonly to: number[] = [];
  private readonly aligned: boolean[] = [];

  constructor(private readonly viewLength: () => number, private readonly textLength: number) {}

  add(viewAt: number, from: number, to: number, aligned: boolean): void {
    const last = this.viewAt.length - 1;
    // Consecutive aligned parts with nothing dropped between them are one part: plain text costs one entry.
    if (aligned && last >= 0 && this.aligned[last] && this.to[last] === from && this.viewAt[last] + (this.to[last] - this.from[last]) === viewAt) {
      this.to[last] = to;
      return;
    }
    this.viewAt.push(viewAt);
    this.from.push(from);
    this.to.push(to);
    this.aligned.push(aligned);
  }

  toOriginal(start: number, end: number): { start: number; end: number } {
    const length = this.viewLength();
    start = Math.max(0, Math.min(start, length));
    end = Math.max(start, Math.min(end, length));
    if (start === end) {
      const at = start === length ? this.textLength : this.originalStart(start);
      return { start: at, end: at };
    }
    const last = this.find(end - 1);
    return { start: this.originalStart(start), end: this.aligned[last] ? this.from[last] + (end - this.viewAt[last]) : this.to[last] };
  }

  private originalStart(at: number): number {
    const part = this.find(at);
    return this.aligned[part] ? this.from[part] + (at - this.viewAt[part]) : this.from[part];
  }

  private find(at: number): number {
    let low = 0;
    let high = this.viewAt.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.viewAt[mid] <= at) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

const identity = (text: string): NormalisedText => ({ text, toOriginal: (start, end) => ({ start, end: Math.max(start, end) }), hiddenBefore: () => false });

/**
 * The normalised view of `text` that guardrails run their detectors on, with the map back to the
 * original, so a finding replaces exactly the characters it came from. Linear in the text's length.
 */
export function normalise(text: string): NormalisedText {
  NOT_PLAIN.lastIndex = 0;
  if (!NOT_PLAIN.test(text)) return identity(text);
  const parts: string[] = [];
  let length = 0;
  const map = new OffsetMap(() => length, text.length);
  const hidden = new Set<number>();
  let dropped = false;
  // Marks stay on letters (ö decomposed is still ö) and go elsewhere (a mark on a digit only decorates it).
  let onLetter = false;
  const emit = (view: string, from: number, to: number, aligned: boolean) => {
    if (dropped) hidden.add(length);
    dropped = false;
    map.add(length, from, to, aligned);
    parts.push(view);
    length += view.length;
  };
  let i = 0;
  while (i < text.length) {
    NOT_PLAIN.lastIndex = i;
    let plainEnd = NOT_PLAIN.exec(text)?.index ?? text.length;
    // A mark after plain text composes with the character before it: that character starts the segment.
    if (plainEnd < text.length && plainEnd > i && isMark(text.codePointAt(plainEnd)!)) plainEnd--;
    if (plainEnd > i) {
      emit(text.slice(i, plainEnd), i, plainEnd, true);
      onLetter = isWordChar(text.charCodeAt(plainEnd - 1)) && !isAsciiDigit(text.charCodeAt(plainEnd - 1));
      i = plainEnd;
      continue;
    }
    const cp = text.codePointAt(i)!;
    let end = i + (cp > 0xffff ? 2 : 1);
    for (let marks = 0; end < text.length && marks < MAX_MARKS; marks++) {
      const next = text.codePointAt(end)!;
      if (!isMark(next)) break;
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
    if (kept) emit(kept, i, end, kept.length === 1 && end - i === 1);
    // What was dropped came after what was kept (marks follow their character).
    if (!kept || markDropped) dropped = true;
    i = end;
  }
  return { text: parts.join(''), toOriginal: (start, end) => map.toOriginal(start, end), hiddenBefore: (at) => hidden.has(at) };
}
