import { groupBounds, type DigitRun } from './digit-runs.js';
import { isDigitAt, type Scan } from './scan.js';

// Shapes that look like personal data to a digit counter but are not: UUIDs, and dates (with an
// hour) written next to each other. Each is recognised whole, so a number obfuscated to look
// partly like one is still a number.

const isHex = (unit: number) => (unit >= 48 && unit <= 57) || ((unit | 32) >= 97 && (unit | 32) <= 102);
const UUID_DASHES = [8, 13, 18, 23];

function isUuidAt(text: string, start: number): boolean {
  if (start < 0 || start + 36 > text.length) return false;
  for (let i = 0; i < 36; i++) {
    const unit = text.charCodeAt(start + i);
    if (UUID_DASHES.includes(i) ? unit !== 45 : !isHex(unit)) return false;
  }
  return true;
}

/** Takes every UUID (8-4-4-4-12 hex digits) out of the detectors' reach: its digit groups are no card or phone. */
export function protectUuids(scan: Scan): void {
  const { text } = scan;
  // Each dash is tried as a UUID's first one: a constant amount of work per dash.
  for (let dash = text.indexOf('-'); dash !== -1; dash = text.indexOf('-', dash + 1)) {
    const start = dash - 8;
    if (isUuidAt(text, start) && scan.isFreeRange(start, start + 36) && scan.startsWord(start) && scan.endsWord(start + 36)) {
      scan.take(start, start + 36);
      dash = start + 35;
    }
  }
}

const inRange = (value: number, low: number, high: number) => value >= low && value <= high;

/** Whether three groups of digits, joined by the same one of - . /, read as a date (year first, or last after day and month in either order). */
function isDate(text: string, run: DigitRun, bounds: Int32Array, g: number): boolean {
  const size = (k: number) => bounds[g + k + 1] - bounds[g + k];
  const value = (k: number) => Number(run.digits.slice(bounds[g + k], bounds[g + k + 1]));
  const separator = (k: number) => {
    const [after, before] = [run.at[bounds[g + k] - 1], run.at[bounds[g + k]]];
    return before - after === 2 && '-./'.includes(text[after + 1]) ? text[after + 1] : '';
  };
  if (!separator(1) || separator(2) !== separator(1)) return false;
  const dayMonth = (day: number, month: number) => size(day) <= 2 && size(month) <= 2 && inRange(value(day), 1, 31) && inRange(value(month), 1, 12);
  if (size(0) === 4) return inRange(value(0), 1900, 2099) && dayMonth(2, 1);
  return size(2) === 4 && inRange(value(2), 1900, 2099) && (dayMonth(0, 1) || dayMonth(1, 0));
}

/** Whether a run is dates and nothing else (a range, a list), the last perhaps followed by an hour that a ':' ends ("2026-11-26 12:30"). */
export function isDateRun(scan: Scan, run: DigitRun): boolean {
  const bounds = groupBounds(run, 0, run.at.length);
  const groups = bounds.length - 1;
  let g = 0;
  while (g + 3 <= groups && isDate(scan.text, run, bounds, g)) g += 3;
  if (g === 0) return false;
  const last = run.at[run.at.length - 1];
  const hour = g === groups - 1 && bounds[groups] - bounds[g] <= 2 && scan.text[last + 1] === ':' && isDigitAt(scan.text, last + 2);
  return g === groups || hour;
}
