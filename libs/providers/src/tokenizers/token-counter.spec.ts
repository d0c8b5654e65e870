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

  it('costs linear time on hostile text without spaces: the tokenizer only ever sees short pieces', async () => {
    // Counted whole, 16,000 emoji took seconds (BPE is quadratic and worse on one long run without spaces).
    // Counted in pieces of bounded length, the cost is linear in the text, which this asserts by the
    // pieces rather than by a stopwatch a busy machine would stop.
    const counter = await openaiTokenCounter();
    const exact = (await import('gpt-tokenizer/encoding/o200k_base')) as { countTokens(t: string): number };
    for (const hostile of ['a'.repeat(32_000), '😀'.repeat(16_000), '漢字'.repeat(16_000)]) {
      const pieces: string[] = [];
      const total = countInPieces(hostile, (piece) => (pieces.push(piece), exact.countTokens(piece)));
      expect(pieces.join('')).toBe(hostile);
      expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(256);
      // The counter is the piecewise count.
      expect(counter.count(hostile)).toBe(total);
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
