import { IntBuffer } from '../int-buffer.js';
import { isDigitAt, type Scan } from './scan.js';

/** Digits joined by short separators: one written number, however it is spaced. */
export interface DigitRun {
  readonly digits: string;
  /** View position of each digit. */
  readonly at: Int32Array;
  /**
   * How wide the separator before each digit is: 0 when there is none (same group), 1 when only
   * something invisible stood there, else twice its length, plus one when it holds a space.
   */
  readonly weight: Int32Array;
}

// What may stand between two digits of one number, and how much of it (' - ' is the widest).
const GAP = new Set([...' -./_()'].map((c) => c.charCodeAt(0)));
const MAX_GAP = 3;

/**
 * Visits the runs of digits in the view, left to right, each as long as its separators allow;
 * taken positions end a run. A run's arrays are reused for the next: `visit` keeps none of them.
 */
export function forEachDigitRun(scan: Scan, visit: (run: DigitRun) => void): void {
  const { text } = scan;
  const at = new IntBuffer();
  const weight = new IntBuffer();
  const digits = new IntBuffer();
  for (let i = 0; i < text.length; i++) {
    if (!isDigitAt(text, i) || !scan.isFree(i)) continue;
    for (const buffer of [at, weight, digits]) buffer.clear();
    at.push(i);
    weight.push(0);
    digits.push(text.charCodeAt(i));
    let last = i;
    for (;;) {
      let next = last + 1;
      let spaced = 0;
      for (; next - last - 1 < MAX_GAP && GAP.has(text.charCodeAt(next)) && scan.isFree(next); next++) if (text.charCodeAt(next) === 32) spaced = 1;
      if (!isDigitAt(text, next) || !scan.isFree(next)) break;
      const gap = next - last - 1;
      at.push(next);
      weight.push(gap ? 2 * gap + spaced : scan.view.hiddenBefore(next) ? 1 : 0);
      digits.push(text.charCodeAt(next));
      last = next;
    }
    visit({ digits: digits.toText(), at: at.values(), weight: weight.values() });
    i = last;
  }
}

/** Where the groups of digits from..to start (a digit after any separator, even an invisible one, starts one), and `to`. */
export function groupBounds(run: DigitRun, from: number, to: number): Int32Array {
  const bounds = new IntBuffer();
  bounds.push(from);
  for (let i = from + 1; i < to; i++) if (run.weight[i] > 0) bounds.push(i);
  bounds.push(to);
  return bounds.values();
}
