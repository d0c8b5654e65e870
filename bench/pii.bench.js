// PII redaction (and the normalisation under it) on 1 MB of hostile text of each kind, against
// 1 MB of plain prose, in one process with alternating rounds: linear time shows as a ratio that
// stays small (backtracking would be hundreds of times slower). `npm run bench:pii`.
import { normalise, PiiRedactor } from '@agentnest/agent';

const SIZE = Number(process.env.BENCH_BYTES ?? 1 << 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const fill = (unit) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
// Every code point from U+0100 up to the surrogates, in a scrambled order: each one is new to the caches.
const scrambled = Array.from({ length: SIZE }, (_, i) => String.fromCodePoint(0x100 + ((i * 7919) % 0xd700))).join('');

const INPUTS = {
  'plain prose': fill('lorem ipsum dolor sit amet '),
  'one run of digits': fill('1'),
  'spaced digits': fill('1 '),
  'digits and dashes': fill('1-'),
  'digits, spaced dashes and spaces': fill('1 - 1 '),
  'card list': fill('4111 1111 1111 1111 '),
  'dates': fill('2026-11-26 '),
  'UUID-like groups': fill('12345678-1234-'),
  "'@' flood": fill('@'),
  "local part, then '@'": `${'a'.repeat(SIZE - 1)}@`,
  "'a@' chain": fill('a@'),
  'dotted domain': `a@${fill('b.')}`,
  'IBAN prefixes': fill('GB82 '),
  'comma-separated groups': fill('4111,1111,'),
  'digits on lines': fill('1\n'),
  "'+' and O": fill('+4O '),
  'lookalike IBAN prefixes, on lines': fill('ДЕ89\n'),
  "'@' between line breaks": fill('a\n@\n'),
  'spaced domain dots': `a@${fill('b . ')}`,
  'NINO prefixes': fill('AB 12 '),
  'Arabic-Indic digits': fill('٣'),
  'fullwidth digits, zero-width between': fill('４\u200b'),
  'marks on one letter': `a${fill('\u0301')}`,
  'marks on digits': fill('4\u0301'),
  'mathematical digits': fill('𝟏'),
  'international addresses': fill('jörg＠bücher。de '),
  'scrambled code points': scrambled,
};

const redactor = new PiiRedactor();
const ms = (work, text) => {
  const start = process.hrtime.bigint();
  work(text);
  return Number(process.hrtime.bigint() - start) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const times = Object.fromEntries(Object.keys(INPUTS).map((name) => [name, { redact: [], normalise: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, text] of Object.entries(INPUTS)) {
    times[name].redact.push(ms((t) => redactor.redact(t), text));
    times[name].normalise.push(ms(normalise, text));
  }
}
const plain = median(times['plain prose'].redact);
console.log(`${(SIZE / 1024).toFixed(0)} KiB each, median of ${ROUNDS} rounds; ratio = redact time / plain prose's redact time`);
for (const [name, t] of Object.entries(times)) {
  const redact = median(t.redact);
  console.log(`${name.padEnd(38)} normalise ${median(t.normalise).toFixed(1).padStart(7)} ms   redact ${redact.toFixed(1).padStart(7)} ms   ${(redact / plain).toFixed(1).padStart(5)}×`);
}
