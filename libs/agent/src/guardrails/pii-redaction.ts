import { randomBytes } from 'node:crypto';
import { RE2JS } from 're2js';
import { AgentConfigError } from '../errors/agent.errors.js';
import { pass, rewrite, type Guardrail } from './guardrail.js';
import { normalise } from './normalise.js';
import { findEmails } from './pii/email.js';
import { findIbans } from './pii/iban.js';
import { protectUuids } from './pii/lookalikes.js';
import { findNinos } from './pii/nino.js';
import { findNumbers } from './pii/numbers.js';
import { Scan } from './pii/scan.js';
import { findSeparatedNumbers } from './pii/separated.js';

/**
 * Personal data the redaction finds: emails, phone numbers (any 9 to 15 digits written as one
 * number: it errs on the side of redacting), payment cards (Luhn-checked), IBANs (mod-97-checked),
 * US social security numbers, UK national insurance numbers.
 */
export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'ssn' | 'nino';
/** Every built-in kind of personal data, in the order they are detected. */
export const PII_KINDS: readonly PiiKind[] = ['email', 'iban', 'card', 'ssn', 'nino', 'phone'];

/** What piiRedaction replaces with placeholders. */
export interface PiiRedactionOptions {
  /** The built-in kinds to find; @default every kind */
  kinds?: PiiKind[];
  /**
   * More patterns, by label (letters, digits, _): RE2 syntax, run in linear time (they may come
   * from configuration). They run on the normalised text, after the built-in kinds: write them for
   * ASCII digits and plain separators (`EMP-\d{6}` also finds `ＥＭＰ‐１２３４５６`); a match over
   * what a built-in kind took is skipped.
   */
  patterns?: Record<string, string>;
  /** Give the caller back what was redacted, in the reply of the same run only (the model, memory, events and logs keep the placeholders); @default false */
  restoreInReply?: boolean;
  /** @default 'pii' */
  name?: string;
}

const LABEL = /^[A-Za-z]\w{0,31}$/;

/** A custom pattern: compiled once, run on the normalised view. */
interface CustomPattern {
  label: string;
  re: RE2JS;
}

/**
 * Finds and replaces personal data with placeholders (`[EMAIL_1]`, `[CARD_2]`, ...); the same value
 * (compared normalised) gets the same placeholder. Every detector, custom patterns included, reads
 * the normalised view of the text (see normalise), and each finding replaces the whole original
 * token it came from, however it was spaced, decorated or written.
 */
export class PiiRedactor {
  private readonly kinds: ReadonlySet<PiiKind>;
  private readonly patterns: CustomPattern[] = [];

  constructor(private readonly options: Omit<PiiRedactionOptions, 'name'> = {}) {
    const kinds = options.kinds ?? PII_KINDS;
    for (const k of kinds) if (!PII_KINDS.includes(k)) throw new AgentConfigError(`unknown personal data kind "${k}" (one of ${PII_KINDS.join(', ')})`);
    this.kinds = new Set(kinds);
    for (const [label, source] of Object.entries(options.patterns ?? {})) {
      if (!LABEL.test(label)) throw new AgentConfigError(`redaction pattern label "${label}" must be a letter then up to 31 letters, digits or _`);
      try {
        this.patterns.push({ label: label.toUpperCase(), re: RE2JS.compile(source) });
      } catch (err) {
        throw new AgentConfigError(`redaction pattern "${label}" is not valid RE2: ${(err as Error).message}`);
      }
    }
  }

  /** The text with every finding replaced, how many of each label, and the placeholders' originals. */
  redact(text: string): { text: string; counts: Record<string, number>; restore: Record<string, string> } {
    const scan = new Scan(normalise(text));
    this.detect(scan);
    const findings = scan.found.map((f) => ({ ...f, ...scan.view.toOriginal(f.start, f.end) })).sort((a, b) => a.start - b.start);
    const restore: Record<string, string> = {};
    const counts: Record<string, number> = {};
    // Restorable placeholders carry a random tag, so one from an earlier run (in history) is never mistaken for this run's.
    const tag = this.options.restoreInReply ? `_${randomBytes(3).toString('hex')}` : '';
    const placeholders = new Map<string, string>();
    const numbered: Record<string, number> = {};
    let out = '';
    let last = 0;
    for (const { start, end, label, value } of findings) {
      // One original character can stand for two findings' ends ('½' is "1/2"): the first placeholder holds it.
      const from = Math.max(start, last);
      if (from >= end) continue;
      const key = `${label}\u0000${value}`;
      let placeholder = placeholders.get(key);
      if (!placeholder) {
        numbered[label] = (numbered[label] ?? 0) + 1;
        placeholder = `[${label}_${numbered[label]}${tag}]`;
        placeholders.set(key, placeholder);
        restore[placeholder] = text.slice(start, end);
      }
      counts[label] = (counts[label] ?? 0) + 1;
      out += text.slice(last, from) + placeholder;
      last = end;
    }
    // Counts in the detectors' order, whatever the text's: the reason reads the same for the same findings.
    const ordered = [...PII_KINDS.map((k) => k.toUpperCase()), ...this.patterns.map((p) => p.label)].filter((label) => counts[label]);
    return { text: out + text.slice(last), counts: Object.fromEntries(ordered.map((label) => [label, counts[label]])), restore };
  }

  // In a fixed order, each taking what it finds from those after it: addresses before the numbers in
  // them, UUIDs out of reach, IBANs and cards before phone numbers, whose digits they contain.
  private detect(scan: Scan): void {
    const has = (kind: PiiKind) => this.kinds.has(kind);
    if (has('email')) findEmails(scan);
    protectUuids(scan);
    if (has('iban')) findIbans(scan);
    if (has('nino')) findNinos(scan);
    if (has('card') || has('ssn') || has('phone')) {
      const kinds = { card: has('card'), ssn: has('ssn'), phone: has('phone') };
      findSeparatedNumbers(scan, kinds);
      findNumbers(scan, kinds);
    }
    for (const { label, re } of this.patterns) {
      const m = re.matcher(scan.text);
      while (m.find()) {
        const [start, end] = [m.start(), m.end()];
        if (end > start && scan.isFreeRange(start, end)) scan.report(start, end, label, m.group() ?? '');
      }
    }
  }
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
