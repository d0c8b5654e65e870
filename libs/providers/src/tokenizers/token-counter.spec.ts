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

  // BPE on one long run without spaces costs quadratic time (16,000 emoji counted whole took seconds), so
  // linear time means: the tokenizer only ever sees short pieces, a bounded number of them per character.
  // Asserted on the pieces handed over, not on a stopwatch a busy machine would slow.
  it('hands the tokenizer only short pieces of hostile text without spaces, so counting costs linear time', () => {
    const piecesOf = (text: string) => {
      const pieces: string[] = [];
      countInPieces(text, (piece) => (pieces.push(piece), 0));
      expect(pieces.join('')).toBe(text);
      return pieces;
    };
    for (const hostile of ['a'.repeat(32_000), '😀'.repeat(16_000), '漢字'.repeat(16_000)]) {
      // The tail (at most 256 characters) is counted whole.
      const pieces = piecesOf(hostile);
      expect(Math.max(...pieces.slice(0, -1).map((p) => p.length))).toBeLessThanOrEqual(48);
      expect(pieces.at(-1)!.length).toBeLessThanOrEqual(256);
      expect(pieces.length).toBeLessThanOrEqual(Math.ceil(hostile.length / 47) + 1);
    }
    // A space far into a long run ends a piece there, never more than 256 characters on.
    for (const mixed of [`${'x'.repeat(5_000)} ${'y'.repeat(5_000)}`, 'lorem ipsum '.repeat(2_700)]) {
      expect(Math.max(...piecesOf(mixed).map((p) => p.length))).toBeLessThanOrEqual(256);
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
