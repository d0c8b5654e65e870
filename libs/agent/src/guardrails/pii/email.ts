import { isLetterAt, isWordAt, type Scan } from './scan.js';

// An address's local part: letters, marks and digits of any script, and . _ % + - ' between them.
const LOCAL_PUNCT = new Set([...".%+-_'"].map((c) => c.charCodeAt(0)));
const MAX_SPACES = 2;

const isLocal = (text: string, at: number) => isWordAt(text, at) || LOCAL_PUNCT.has(text.charCodeAt(at));
const isDomain = (text: string, at: number) => isWordAt(text, at) || text[at] === '-' || text[at] === '.';

/** A domain: labels parted by dots, at least two, the last with a letter (so "pkg@1.2.3" is a version, not an address). */
function isDomainName(text: string, start: number, end: number): boolean {
  if (!isWordAt(text, start)) return false;
  let letter = false;
  // Back from the end, within the domain only (a search past its start would cost quadratic time on '@' floods).
  for (let at = end - 1; at > start; at--) {
    if (text[at] === '.') return letter;
    letter ||= isLetterAt(text, at);
  }
  return false;
}

/**
 * Finds email addresses, whole: the local part as far left as its characters go, the domain as far
 * right (international ones included), up to two spaces either side of the '@'. Linear: each run of
 * address characters is read from at most the one '@' before it and the one after it.
 */
export function findEmails(scan: Scan): void {
  const { text } = scan;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    if (!scan.isFree(at)) continue;
    let localEnd = at;
    for (let spaces = 0; spaces < MAX_SPACES && text[localEnd - 1] === ' '; spaces++) localEnd--;
    let start = localEnd;
    while (scan.isFree(start - 1) && isLocal(text, start - 1)) start--;
    // A dot or quote before the address is the sentence's, not the address's.
    while (start < localEnd && (text[start] === '.' || text[start] === "'")) start++;
    if (start === localEnd) continue;
    let domainStart = at + 1;
    for (let spaces = 0; spaces < MAX_SPACES && text[domainStart] === ' '; spaces++) domainStart++;
    let end = domainStart;
    while (scan.isFree(end) && isDomain(text, end)) end++;
    // A dot or dash after it ends the sentence or the clause.
    while (end > domainStart && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    if (!isDomainName(text, domainStart, end)) continue;
    const value = `${text.slice(start, localEnd)}@${text.slice(domainStart, end)}`.toLowerCase();
    scan.report(start, end, 'EMAIL', value);
    at = end - 1;
  }
}
