import { describe, expect, it } from '@jest/globals';
import { CappedLines } from './capped-lines.js';
import { answeredId } from './synthetic-response.js';

describe('CappedLines', () => {
  it('splits lines across chunks and reports a line over the limit by its ends, without holding it', () => {
    const lines = new CappedLines(() => 20);
    expect(lines.push(Buffer.from('{"a":1}\n{"b"'))).toEqual([{ line: '{"a":1}' }]);
    expect(lines.push(Buffer.from(':2}\r\n'))).toEqual([{ line: '{"b":2}' }]);
    const big = `{"result":"${'x'.repeat(10_000)}","id":7}`;
    const out = [...lines.push(Buffer.from(big.slice(0, 5_000))), ...lines.push(Buffer.from(`${big.slice(5_000)}\n{"c":3}\n`))];
    expect(out).toHaveLength(2);
    const [oversized, next] = out;
    expect(oversized).toMatchObject({ oversized: { bytes: big.length } });
    if (!('oversized' in oversized)) throw new Error('expected oversized');
    expect(oversized.oversized.head.length).toBe(256);
    expect(oversized.oversized.tail.endsWith('"id":7}')).toBe(true);
    expect(next).toEqual({ line: '{"c":3}' });
  });
});

describe('CappedLines after a line that never ended', () => {
  it('keeps a message that begins inside a discarded line, and reports the discarded part as cut short', () => {
    const lines = new CappedLines(() => 100, true);
    const answer = '{"jsonrpc":"2.0","id":9,"result":{"content":[]}}';
    expect(lines.push(Buffer.from('z'.repeat(5_000)))).toEqual([]);
    const out = lines.push(Buffer.from(`${'z'.repeat(5_000)}${answer}\n{"jsonrpc":"2.0","id":10,"result":{}}\n`));
    expect(out).toEqual([{ oversized: { bytes: 10_000, head: 'z'.repeat(256), tail: 'z'.repeat(256), cut: true } }, { line: answer }, { line: '{"jsonrpc":"2.0","id":10,"result":{}}' }]);
  });

  it('still discards a message over the limit that begins inside a discarded line', () => {
    const lines = new CappedLines(() => 100, true);
    const big = `{"result":"${'x'.repeat(1_000)}","jsonrpc":"2.0","id":9}`;
    const out = lines.push(Buffer.from(`${'z'.repeat(500)}${big}\n`));
    expect(out).toMatchObject([{ oversized: { bytes: 500, cut: true } }, { oversized: { bytes: big.length } }]);
  });
});

describe('answeredId', () => {
  const pending = new Set<string | number>([7, 'abc']);
  it('reads the id at either end of a message, only if it is pending', () => {
    expect(answeredId('{"result":{"content":[', 'xxxx"}]},"jsonrpc":"2.0","id":7}', pending)).toBe(7);
    expect(answeredId('{"jsonrpc":"2.0","id":"abc","result":', '...', pending)).toBe('abc');
    expect(answeredId('{"result":', '"id":8}', pending)).toBeUndefined();
  });
  it('falls back to the one pending request only when asked (oversized), never for an unreadable line', () => {
    expect(answeredId('garbage', 'garbage', new Set([3]), true)).toBe(3);
    expect(answeredId('garbage', 'garbage', new Set([3]))).toBeUndefined();
    expect(answeredId('garbage', 'garbage', pending, true)).toBeUndefined();
  });
});
