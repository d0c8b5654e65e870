import { luhn, luhnTerm } from './checksums.js';
import { forEachDigitRun, type DigitRun } from './digit-runs.js';
import { isDateRun } from './lookalikes.js';
import { isLetterAt, type Scan } from './scan.js';

/** Which of the digit kinds to find. */
export interface NumberKinds {
  card: boolean;
  ssn: boolean;
  phone: boolean;
}

/** Digits from..to (exclusive) of a run. */
interface Piece {
  from: number;
  to: number;
}

const CARD = { min: 13, max: 19 };
const LABELS = ['', 'CARD', 'SSN', 'PHONE'];
const PHONE = { min: 9, max: 15 };

/** US social security number rules: no area 000, 666 or 9xx, no group 00, no serial 0000. */
const isSsn = (d: string) => !/^(000|666|9)/.test(d) && d.slice(3, 5) !== '00' && d.slice(5) !== '0000';

/**
 * Reads one run of digits: a card (Luhn-checked) when the whole run is one; else a phone number
 * (9 to 15 digits) or an SSN (3-2-4); a longer run is read as the cards and numbers that cover
 * most of its digits.
 */
class RunReader {
  constructor(
    private readonly scan: Scan,
    private readonly run: DigitRun,
    private readonly kinds: NumberKinds,
  ) {}

  read(): void {
    const whole = { from: 0, to: this.run.at.length };
    const length = whole.to;
    // A number after a '+' is international: a phone number, whatever its check digit says.
    const card = this.kinds.card && length >= CARD.min && length <= CARD.max && luhn(this.digits(whole)) && !(length <= PHONE.max && this.leadLength() && this.kinds.phone);
    if (card) return this.report(whole, 'CARD');
    if (length > PHONE.max) return this.readLong(length);
    const label = this.shortLabel(whole);
    if (label) this.report(whole, label);
  }

  /** What 9 to 15 digits are: an SSN when grouped 3-2-4 and valid, else a phone number (unless part of a code). */
  private shortLabel(piece: Piece): 'SSN' | 'PHONE' | undefined {
    const length = piece.to - piece.from;
    if (length < PHONE.min || length > PHONE.max) return undefined;
    if (this.kinds.ssn && length === 9 && this.groupedAsSsn(piece.from) && isSsn(this.digits(piece))) return 'SSN';
    return this.kinds.phone && !this.partOfCode(piece) ? 'PHONE' : undefined;
  }

  /** Grouped 3-2-4: separators before the 4th and 6th digits and nowhere else; invisible ones count only when there is nothing visible. */
  private groupedAsSsn(from: number): boolean {
    const inner = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => this.run.weight[from + k]);
    const least = inner.some((w) => w > 1) ? 2 : 1;
    return inner.every((w, k) => (k === 2 || k === 4) === w >= least);
  }

  /**
   * A run too long for one number: the cards (on any of its group boundaries) and numbers (between
   * its widest separators, when they are wider than the rest: "555-123-4567 / 555-765-4321") that
   * cover the most digits; a stretch that could be either is a number. A run with its separators
   * all alike, such as a 16-digit number that fails the card check, stays as it is. Linear: each
   * boundary looks back at most 19 digits; covered[x] is the most digits found before digit x.
   */
  private readLong(size: number): void {
    const { weight, digits } = this.run;
    let widest = 0;
    let narrowest = Infinity;
    for (let i = 1; i < size; i++) {
      if (weight[i] > 0) {
        widest = Math.max(widest, weight[i]);
        narrowest = Math.min(narrowest, weight[i]);
      }
    }
    const isBound = (x: number) => x === 0 || x === size || weight[x] > 0;
    const isCut = (x: number) => x === 0 || x === size || (widest > narrowest && weight[x] === widest);
    const covered = new Int32Array(size + 1);
    const startOf = new Int32Array(size + 1).fill(-1);
    const labelOf = new Uint8Array(size + 1);
    let previous = 0;
    for (let x = 1; x <= size; x++) {
      if (!isBound(x)) continue;
      covered[x] = covered[previous];
      previous = x;
      let sum = 0;
      for (let d = x - 1, length = 1; d >= 0 && length <= CARD.max; d--, length++) {
        sum += luhnTerm(digits.charCodeAt(d) - 48, length - 1);
        if (!isBound(d) || covered[d] + length <= covered[x]) continue;
        const short = length >= PHONE.min && length <= PHONE.max && isCut(x) && isCut(d) ? this.shortLabel({ from: d, to: x }) : undefined;
        const label = short ?? (this.kinds.card && length >= CARD.min && sum % 10 === 0 ? 'CARD' : undefined);
        if (!label) continue;
        covered[x] = covered[d] + length;
        startOf[x] = d;
        labelOf[x] = LABELS.indexOf(label);
      }
    }
    for (let x = size; x > 0; ) {
      if (startOf[x] < 0) x--;
      else {
        this.report({ from: startOf[x], to: x }, LABELS[labelOf[x]]);
        x = startOf[x];
      }
    }
  }

  /** Part of a code such as ORD-2024-000123: letters touch the run's edge, or reach it through one - or _. */
  private partOfCode(piece: Piece): boolean {
    const { at } = this.run;
    return (piece.from === 0 && this.joinedToLetters(at[0], -1)) || (piece.to === at.length && this.joinedToLetters(at[at.length - 1], 1));
  }

  private joinedToLetters(digit: number, step: 1 | -1): boolean {
    const { scan } = this;
    // Whether nothing hidden stands between two neighbouring view positions.
    const touching = (a: number, b: number) => scan.isFree(b) && !scan.view.hiddenBefore(Math.max(a, b));
    const next = digit + step;
    if (!touching(digit, next)) return false;
    if (isLetterAt(scan.text, next)) return true;
    const beyond = next + step;
    return (scan.text[next] === '-' || scan.text[next] === '_') && touching(next, beyond) && isLetterAt(scan.text, beyond);
  }

  private report(piece: Piece, label: string): void {
    const { scan, run } = this;
    let start = run.at[piece.from];
    const end = run.at[piece.to - 1] + 1;
    if (label === 'PHONE' && piece.from === 0) {
      // The phone's own punctuation before its first digit: "+1 555 …", "+ 44 …", "+(44) …", "(555) 123-4567".
      const lead = this.leadLength();
      if (lead) start -= lead;
      else if (scan.text[start - 1] === '(' && scan.isFree(start - 1) && scan.text.slice(start, end).includes(')')) start--;
    }
    scan.report(start, end, label, this.digits(piece));
  }

  /** How long the '+' before the run's first digit is, with what stands between them ("+", "+ (", "+-"); 0 without one. */
  private leadLength(): number {
    const { scan } = this;
    const start = this.run.at[0];
    const lead = /\+[ ()./_-]{0,3}$/.exec(scan.text.slice(Math.max(0, start - 4), start));
    return lead && scan.isFreeRange(start - lead[0].length, start) ? lead[0].length : 0;
  }

  private digits(piece: Piece): string {
    return this.run.digits.slice(piece.from, piece.to);
  }
}

/** Finds cards, SSNs and phone numbers in the view's runs of digits (runs of dates are left alone). */
export function findNumbers(scan: Scan, kinds: NumberKinds): void {
  forEachDigitRun(scan, (run) => {
    if (run.at.length >= PHONE.min && !isDateRun(scan, run)) new RunReader(scan, run, kinds).read();
  });
}
