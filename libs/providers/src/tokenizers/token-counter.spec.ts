import { describe, expect, it } from '@jest/globals';
import { countInPieces, openaiTokenCounter } from './token-counter.js';
import { setPeerImporter } from '../load-peer.js';
import { MissingPeerDependencyError } from '../provider.errors.js';

describe('openaiTokenCounter', () => {
  it("counts prose and JSON exactly as OpenAI's tokenizer does, in pieces", async () => {
    const counter = await openaiTokenCounter();
    const exact = (await import('gpt-tokenizer/encoding/o200k_base')) as { countTokens(t: string): number };
    for (const text of ['Hello, world!', 'lorem ipsum '.repeat(2_700), JSON.stringify(Array.from({ length: 800 }, (_, i) => ({ id: i, name: `item ${i}` }))), '']) {
      expect(counter.count(text)).toBe(exact.countTokens(text));
    }
    expect((await openaiTokenCounter('cl100k_base')).name).toBe('openai:cl100k_base');
  });

  it('costs linear time on hostile text without spaces, measured against prose of the same length', async () => {
    const counter = await openaiTokenCounter();
    const prose = 'lorem ipsum '.repeat(2_700);
    // The fastest of interleaved runs: a busy machine slows some runs, never speeds one up.
    const fastest = (text: string) => {
      const t = performance.now();
      counter.count(text);
      return performance.now() - t;
    };
    for (const hostile of ['a'.repeat(32_000), '😀'.repeat(16_000), '漢字'.repeat(16_000)]) {
      let [p, h] = [Infinity, Infinity];
      for (let i = 0; i < 5; i++) {
        p = Math.min(p, fastest(prose));
        h = Math.min(h, fastest(hostile));
      }
      // Counted whole, 16,000 emoji took seconds here (thousands of times prose); in pieces 8 to 13 times
      // prose on an idle machine. The bound leaves room for a busy one and still catches the quadratic case.
      expect(h / Math.max(p, 0.5)).toBeLessThan(60);
    }
  });

  it('never cuts a surrogate pair, and says what to install when gpt-tokenizer is missing', async () => {
    const pieces: string[] = [];
    countInPieces('😀'.repeat(100), (p) => (pieces.push(p), 0));
    expect(pieces.every((p) => !/[\ud800-\udbff]$/.test(p))).toBe(true);
    expect(pieces.join('')).toBe('😀'.repeat(100));
    const restore = setPeerImporter(async () => {
      throw Object.assign(new Error('not found'), { code: 'ERR_MODULE_NOT_FOUND' });
    });
    try {
      await expect(openaiTokenCounter()).rejects.toBeInstanceOf(MissingPeerDependencyError);
    } finally {
      restore();
    }
  });
});
