import { luhn, luhnTerm } from './checksums.js';
import { forEachDigitRun, groupBounds, type DigitRun } from './digit-runs.js';
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
const PHONE = { min: 9, max: 15 };

/** US social security number rules: no area 000, 666 or 9xx, no group 00, no serial 0000. */
const isSsn = (d: string) => !/^(000|666|9)/.test(d) && d.slice(3, 5) !== '00' && d.slice(5) !== '0000';

/**
 * Reads one run of digits: a card (Luhn-checked) when the whole run is one; else a phone number
 * (9 to 15 digits) or an SSN (3-2-4); a run too long for either is split at its widest separators
 * ("… 4567 / 555 …"), or searched for the cards it holds.
 */
class RunReader {
  constructor(
    private readonly scan: Scan,
    private readonly run: DigitRun,
    private readonly kinds: NumberKinds,
  ) {}

  read(piece: Piece): void {
    const length = piece.to - piece.from;
    if (this.kinds.card && length >= CARD.min && length <= CARD.max && luhn(this.digits(piece))) return this.report(piece, 'CARD');
    if (length <= PHONE.max) return this.readShort(piece);
    const parts = this.splitAtWidest(piece);
    if (parts) return parts.forEach((part) => this.read(part));
    let next = piece.from;
    for (const card of this.kinds.card ? this.cardsWithin(piece) : []) {
      this.readShort({ from: next, to: card.from });
      this.report(card, 'CARD');
      next = card.to;
    }
    this.readShort({ from: next, to: piece.to });
  }

  /** At most 15 digits: an SSN when grouped 3-2-4 and valid, else a phone number from 9 digits up. */
  private readShort(piece: Piece): void {
    const length = piece.to - piece.from;
    if (length < PHONE.min || length > PHONE.max) return;
    const bounds = groupBounds(this.run, piece.from, piece.to);
    const sizes = bounds.slice(1).map((b, k) => b - bounds[k]).join(',');
    if (this.kinds.ssn && sizes === '3,2,4' && isSsn(this.digits(piece))) return this.report(piece, 'SSN');
    if (this.kinds.phone && !this.partOfCode(piece)) this.report(piece, 'PHONE');
  }

  /** Splits where the separators are widest, when they are not all alike; undefined when they are. */
  private splitAtWidest(piece: Piece): Piece[] | undefined {
    let widest = 0;
    let narrowest = Infinity;
    for (let i = piece.from + 1; i < piece.to; i++) {
      const w = this.run.weight[i];
      if (w > 0) {
        widest = Math.max(widest, w);
        narrowest = Math.min(narrowest, w);
      }
    }
    if (widest <= narrowest) return undefined;
    const parts: Piece[] = [];
    let from = piece.from;
    for (let i = piece.from + 1; i < piece.to; i++) {
      if (this.run.weight[i] !== widest) continue;
      parts.push({ from, to: i });
      from = i;
    }
    parts.push({ from, to: piece.to });
    return parts;
  }

  /**
   * The cards in a long run, starting and ending on its group boundaries, that cover the most
   * digits: the cards of a list, a card beside other numbers. Linear: each boundary looks back at
   * most 19 digits. Indexed by digit: covered[x] is the most digits cards cover before digit x.
   */
  private cardsWithin(piece: Piece): Piece[] {
    const { weight, digits } = this.run;
    const size = piece.to - piece.from;
    const isBound = (x: number) => x === 0 || x === size || weight[piece.from + x] > 0;
    const covered = new Int32Array(size + 1);
    const startOf = new Int32Array(size + 1).fill(-1);
    let previous = 0;
    for (let x = 1; x <= size; x++) {
      if (!isBound(x)) continue;
      covered[x] = covered[previous];
      previous = x;
      let sum = 0;
      for (let d = x - 1, length = 1; d >= 0 && length <= CARD.max; d--, length++) {
        sum += luhnTerm(digits.charCodeAt(piece.from + d) - 48, length - 1);
        if (length >= CARD.min && sum % 10 === 0 && isBound(d) && covered[d] + length > covered[x]) {
          covered[x] = covered[d] + length;
          startOf[x] = d;
        }
      }
    }
    const cards: Piece[] = [];
    for (let x = size; x > 0; ) {
      if (startOf[x] >= 0) {
        cards.push({ from: piece.from + startOf[x], to: piece.from + x });
        x = startOf[x];
      } else x--;
    }
    return cards.reverse();
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
      // The phone's own punctuation before its first digit: "(555) 123-4567", "+1 555 …".
      if (scan.text[start - 1] === '(' && scan.isFree(start - 1) && scan.text.slice(start, end).includes(')')) start--;
      if (scan.text[start - 1] === '+' && scan.isFree(start - 1)) start--;
    }
    scan.report(start, end, label, this.digits(piece));
  }

  private digits(piece: Piece): string {
    return this.run.digits.slice(piece.from, piece.to);
  }
}

/** Finds cards, SSNs and phone numbers in the view's runs of digits (runs of dates are left alone). */
export function findNumbers(scan: Scan, kinds: NumberKinds): void {
  forEachDigitRun(scan, (run) => {
    if (run.at.length >= PHONE.min && !isDateRun(scan, run)) new RunReader(scan, run, kinds).read({ from: 0, to: run.at.length });
  });
}
