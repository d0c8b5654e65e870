import { isWordChar } from '../canonical-char.js';
import type { NormalisedText } from '../normalise.js';

/** Personal data found in the view: where, its label, and its normalised value (the same value gets the same placeholder). */
export interface Finding {
  start: number;
  end: number;
  label: string;
  value: string;
}

/**
 * What the detectors share: the view they read, the positions already taken (redacted, or known
 * not to be personal data, as a UUID is) so that no later detector splits or reads them again,
 * and what they found.
 */
export class Scan {
  readonly text: string;
  readonly found: Finding[] = [];
  private readonly taken: Uint8Array;

  constructor(readonly view: NormalisedText) {
    this.text = view.text;
    this.taken = new Uint8Array(view.text.length);
  }

  /** A position inside the view that no detector has taken. */
  isFree(at: number): boolean {
    return at >= 0 && at < this.text.length && this.taken[at] === 0;
  }

  isFreeRange(start: number, end: number): boolean {
    for (let at = start; at < end; at++) if (this.taken[at]) return false;
    return true;
  }

  take(start: number, end: number): void {
    this.taken.fill(1, start, end);
  }

  report(start: number, end: number, label: string, value: string): void {
    this.found.push({ start, end, label, value });
    this.take(start, end);
  }

  /** Whether a word may start at `at`: no letter or digit touches it from the left (something hidden, or taken, parts them too). */
  startsWord(at: number): boolean {
    return !this.isFree(at - 1) || !isWordAt(this.text, at - 1) || this.view.hiddenBefore(at);
  }

  /** Whether a word may end just before `at`. */
  endsWord(at: number): boolean {
    return !this.isFree(at) || !isWordAt(this.text, at) || this.view.hiddenBefore(at);
  }
}

/** A letter, mark or digit of any script at `at` (both halves of a surrogate pair answer alike). */
export function isWordAt(text: string, at: number): boolean {
  if (at < 0 || at >= text.length) return false;
  const unit = text.charCodeAt(at);
  const low = unit >= 0xdc00 && unit <= 0xdfff;
  return isWordChar(low && at > 0 ? text.codePointAt(at - 1)! : text.codePointAt(at)!);
}

export const isDigitAt = (text: string, at: number): boolean => {
  const unit = text.charCodeAt(at);
  return unit >= 48 && unit <= 57;
};

export const isLetterAt = (text: string, at: number): boolean => isWordAt(text, at) && !isDigitAt(text, at);

export const isAsciiAlnum = (unit: number): boolean => (unit >= 48 && unit <= 57) || ((unit | 32) >= 97 && (unit | 32) <= 122);
