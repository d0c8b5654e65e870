import { randomBytes } from 'node:crypto';
import { RE2JS } from 're2js';
import { AgentConfigError } from '../agent.errors.js';
import { pass, rewrite, type Guardrail } from './guardrail.js';

/**
 * Personal data the redaction finds: emails, phone numbers (any 9 to 15 digits written as one
 * number: it errs on the side of redacting), payment cards (Luhn-checked), IBANs (mod-97-checked),
 * US social security numbers, UK national insurance numbers.
 */
export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'ssn' | 'nino';
export const PII_KINDS: readonly PiiKind[] = ['email', 'iban', 'card', 'ssn', 'nino', 'phone'];

export interface PiiRedactionOptions {
  /** @default every kind */
  kinds?: PiiKind[];
  /** More patterns, by label (letters, digits, _): RE2 syntax, run in linear time (they may come from configuration). */
  patterns?: Record<string, string>;
  /** Give the caller back what was redacted, in the reply of the same run only (the model, memory, events and logs keep the placeholders); @default false */
  restoreInReply?: boolean;
  /** @default 'pii' */
  name?: string;
}

const digitsOf = (s: string) => s.replace(/\D/g, '');

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function iban(raw: string): boolean {
  const s = raw.replace(/ /g, '').toUpperCase();
  if (s.length < 15 || s.length > 34) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) rest = (rest * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return rest === 1;
}

// Each pattern starts only where a run of its characters starts (the lookbehind) and has bounded
// repetition, so hostile input (long digit runs, '@' floods) costs linear time.
const DETECTORS: Record<PiiKind, { pattern: RegExp; valid?: (match: string) => boolean }> = {
  email: { pattern: /(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+/g },
  iban: { pattern: /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])/g, valid: iban },
  card: { pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?!\d)/g, valid: (m) => luhn(digitsOf(m)) },
  ssn: { pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g },
  nino: { pattern: /(?<![A-Za-z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g },
  // 9 to 15 digits with common separators, not part of a longer run of digits (a card that failed its checksum stays a number).
  phone: { pattern: /(?<![\w+]|\d[ ().-]{1,2})\+?\d(?:[ ().-]{0,2}\d){8,14}(?![ ().-]{0,2}\d)(?!\w)/g },
};

const LABEL = /^[A-Za-z]\w{0,31}$/;

/** Finds and replaces personal data with placeholders (`[EMAIL_1]`, `[CARD_2]`, ...); the same value gets the same placeholder. */
export class PiiRedactor {
  private readonly detectors: Array<{ label: string; needs?: 'at' | 'digit'; replace(text: string, swap: (found: string) => string): string }>;

  constructor(private readonly options: Omit<PiiRedactionOptions, 'name'> = {}) {
    const kinds = options.kinds ?? PII_KINDS;
    for (const k of kinds) if (!PII_KINDS.includes(k)) throw new AgentConfigError(`unknown personal data kind "${k}" (one of ${PII_KINDS.join(', ')})`);
    // Built-in kinds in a fixed order: IBANs and cards before phone numbers, whose digits they contain.
    this.detectors = PII_KINDS.filter((k) => kinds.includes(k)).map((kind) => {
      const { pattern, valid } = DETECTORS[kind];
      return { label: kind.toUpperCase(), needs: kind === 'email' ? ('at' as const) : ('digit' as const), replace: (text, swap) => text.replace(pattern, (m) => (!valid || valid(m) ? swap(m) : m)) };
    });
    for (const [label, source] of Object.entries(options.patterns ?? {})) {
      if (!LABEL.test(label)) throw new AgentConfigError(`redaction pattern label "${label}" must be a letter then up to 31 letters, digits or _`);
      let compiled: RE2JS;
      try {
        compiled = RE2JS.compile(source);
      } catch (err) {
        throw new AgentConfigError(`redaction pattern "${label}" is not valid RE2: ${(err as Error).message}`);
      }
      this.detectors.push({ label: label.toUpperCase(), replace: (text, swap) => replaceRe2(compiled, text, swap) });
    }
  }

  /** The text with every finding replaced, how many of each label, and the placeholders' originals. */
  redact(text: string): { text: string; counts: Record<string, number>; restore: Record<string, string> } {
    const restore: Record<string, string> = {};
    const counts: Record<string, number> = {};
    // Restorable placeholders carry a random tag, so one from an earlier run (in history) is never mistaken for this run's.
    const tag = this.options.restoreInReply ? `_${randomBytes(3).toString('hex')}` : '';
    let out = text;
    // Every built-in kind needs an '@' (emails) or a digit (the rest): most messages skip them all.
    const has = { at: text.includes('@'), digit: /\d/.test(text) };
    for (const { label, needs, replace } of this.detectors) {
      if (needs && !has[needs]) continue;
      const seen = new Map<string, string>();
      out = replace(out, (found) => {
        let placeholder = seen.get(found);
        if (!placeholder) {
          placeholder = `[${label}_${seen.size + 1}${tag}]`;
          seen.set(found, placeholder);
          restore[placeholder] = found;
        }
        counts[label] = (counts[label] ?? 0) + 1;
        return placeholder;
      });
    }
    return { text: out, counts, restore };
  }
}

function replaceRe2(re: RE2JS, text: string, swap: (found: string) => string): string {
  const m = re.matcher(text);
  let out = '';
  let last = 0;
  while (m.find()) {
    if (m.end() === m.start()) continue;
    out += text.slice(last, m.start()) + swap(m.group() ?? '');
    last = m.end();
  }
  return out + text.slice(last);
}

/**
 * A guardrail that replaces personal data with placeholders before the model, memory, events or
 * logs see it: on the message (input), and also usable on tool results and replies. With
 * `restoreInReply`, the caller's copy of the reply gets the originals back.
 */
export function piiRedaction(options: PiiRedactionOptions = {}): Guardrail {
  const redactor = new PiiRedactor(options);
  return {
    name: options.name ?? 'pii',
    mode: 'before',
    check: ({ text }) => {
      const found = redactor.redact(text);
      const summary = Object.entries(found.counts).map(([label, n]) => `${n} ${label.toLowerCase()}`).join(', ');
      return summary ? rewrite(found.text, `redacted ${summary}`, options.restoreInReply ? found.restore : undefined) : pass();
    },
  };
}
