import { isLetterAt, isWordAt, type Scan } from './scan.js';

// An address's local part: letters, marks and digits of any script, and . _ % + - ' between them.
const LOCAL_PUNCT = new Set([...".%+-_'"].map((c) => c.charCodeAt(0)));
const MAX_SPACES = 3;
const isLocal = (text: string, at: number) => isWordAt(text, at) || LOCAL_PUNCT.has(text.charCodeAt(at));
const isDomain = (text: string, at: number) => isWordAt(text, at) || text[at] === '-' || text[at] === '.';
const isBreak = (unit: number) => unit === 10 || unit === 13 || unit === 0x2028 || unit === 0x2029;

function skipSpaces(scan: Scan, from: number, step: 1 | -1, max: number): number {
  let k = from;
  while (Math.abs(k - from) < max && scan.text.charCodeAt(k) === 32 && scan.isFree(k)) k += step;
  return k;
}

/**
 * What stands between the '@' and the local part or domain (step -1 or 1): up to three spaces, or
 * one line break with up to two spaces either side. Returns where the address goes on, negated
 * (less one) unless that is at most two spaces, as addresses are often typed: the rest is read
 * only for a domain that ends like one (see tldLike). A number, not an object: '@' floods call it twice per '@'.
 */
function gapFrom(scan: Scan, at: number, step: 1 | -1): number {
  const { text } = scan;
  let k = skipSpaces(scan, at, step, MAX_SPACES);
  const spaced = Math.abs(k - at);
  if (!isBreak(text.charCodeAt(k)) || !scan.isFree(k) || spaced > 2) return spaced <= 2 ? k : -k - 1;
  // CR LF is one line break.
  const pair = step === 1 ? text[k] === '\r' && text[k + 1] === '\n' : text[k] === '\n' && text[k - 1] === '\r';
  k += pair ? 2 * step : step;
  return -skipSpaces(scan, k, step, 2) - 1;
}

/** A top-level domain as addresses end: two or more letters, one case (so "home . Then" is not one). */
function tldLike(text: string, start: number, end: number): boolean {
  const tld = text.slice(start, end);
  if (tld.length < 2 || !/^\p{L}+$/u.test(tld)) return false;
  return tld === tld.toLowerCase() || tld === tld.toUpperCase();
}

/** Where the last label of the domain text[start, end) starts, if the domain has at least two labels (-1 if not). */
function lastLabel(text: string, start: number, end: number): number {
  // Back from the end, within the domain only (a search past its start would cost quadratic time on '@' floods).
  for (let at = end - 1; at > start; at--) if (text[at] === '.') return at + 1;
  return -1;
}

function hasLetter(text: string, start: number, end: number): boolean {
  for (let at = start; at < end; at++) if (isLetterAt(text, at)) return true;
  return false;
}

/** A domain, tight (no spaces in it) from `start`: as far right as its characters go, less a dot or dash that ends the sentence. */
function tightDomainEnd(scan: Scan, start: number): number {
  const { text } = scan;
  let end = start;
  while (scan.isFree(end) && isDomain(text, end)) end++;
  while (end > start && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
  return end;
}

/** The start of the next part of a domain after spaces, a dot and perhaps spaces ("example . com"), or -1. */
function spacedDotPart(scan: Scan, end: number): number {
  const { text } = scan;
  let k = end;
  while (k - end < MAX_SPACES && text[k] === ' ' && scan.isFree(k)) k++;
  // A space before the dot: a sentence's full stop has none ("me@home. Then").
  if (k === end || text[k] !== '.' || !scan.isFree(k)) return -1;
  const dot = ++k;
  while (k - dot < MAX_SPACES && text[k] === ' ' && scan.isFree(k)) k++;
  return isWordAt(text, k) && scan.isFree(k) ? k : -1;
}

/**
 * Finds email addresses, whole: the local part as far left as its characters go, the domain as far
 * right (international ones included), up to two spaces either side of the '@' — and, when the
 * domain ends in a top-level domain's letters, three spaces or a line break there, or spaces
 * around the domain's dots after a tight '@'. Linear: each run of address characters is read from at most the one
 * '@' before it and the one after it.
 */
export function findEmails(scan: Scan): void {
  const { text } = scan;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    if (!scan.isFree(at)) continue;
    const left = gapFrom(scan, at - 1, -1);
    const localEnd = (left < 0 ? -left - 1 : left) + 1;
    let start = localEnd;
    while (scan.isFree(start - 1) && isLocal(text, start - 1)) start--;
    // A dot or quote before the address is the sentence's, not the address's.
    while (start < localEnd && (text[start] === '.' || text[start] === "'")) start++;
    if (start === localEnd) continue;
    const right = gapFrom(scan, at + 1, 1);
    const domainStart = right < 0 ? -right - 1 : right;
    if (!isWordAt(text, domainStart)) continue;
    const plain = left >= 0 && right >= 0;
    let end = tightDomainEnd(scan, domainStart);
    let domain = text.slice(domainStart, end);
    let label = lastLabel(text, domainStart, end);
    // Its last label with a letter, so "pkg@1.2.3" is a version, not an address.
    let found = label >= 0 && hasLetter(text, label, end) && (plain || tldLike(text, label, end)) ? end : -1;
    let value = domain;
    // Then parts after spaced dots, each a longer candidate that must end like a top-level domain:
    // only after a tight '@' and a first part with a letter, as "you @ home . ok" or "me@5 . ok" is prose.
    const spacedDots = domainStart === at + 1 && localEnd === at && hasLetter(text, domainStart, end);
    for (let part = spacedDots ? spacedDotPart(scan, end) : -1; part >= 0; part = spacedDotPart(scan, end)) {
      end = tightDomainEnd(scan, part);
      domain += `.${text.slice(part, end)}`;
      label = lastLabel(text, part - 1, end);
      if (tldLike(text, label < 0 ? part : label, end)) [found, value] = [end, domain];
    }
    if (found < 0) continue;
    scan.report(start, found, 'EMAIL', `${text.slice(start, localEnd)}@${value}`.toLowerCase());
    at = found - 1;
  }
}
