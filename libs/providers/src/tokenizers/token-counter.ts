import { loadPeer } from '../load-peer.js';

/** Counts the tokens a vendor's tokenizer makes of a text. */
export interface TokenCounter {
  /** Which tokenizer this is, e.g. `openai:o200k_base`. */
  readonly name: string;
  /** How many tokens the tokenizer makes of `text`. */
  count(text: string): number;
}

/** Longest piece counted at once; pieces end at a space where one is near (where BPE splits anyway). */
const PIECE = 256;
/** Without a space, pieces this long: BPE on one long run of letters, CJK or emoji costs quadratic time and more. */
const UNBROKEN = 48;

/**
 * Counts `text` with `count` piece by piece, so hostile input (32,000 letters or emoji without a
 * space) costs linear time. Cutting at spaces keeps prose and JSON exact; a run without spaces may
 * count a token more per cut, which errs on the side of leaving something out.
 */
export function countInPieces(text: string, count: (piece: string) => number): number {
  let total = 0;
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + PIECE);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      end = space > i + UNBROKEN ? space : Math.min(end, i + UNBROKEN);
      // Never between the halves of a surrogate pair.
      const last = text.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) end--;
    }
    total += count(text.slice(i, end));
    i = end;
  }
  return total;
}

/**
 * OpenAI's tokenizer (`o200k_base` for GPT-4o, GPT-4.1, GPT-5 and the o-series; `cl100k_base` for
 * GPT-4 and GPT-3.5), counted exactly by `gpt-tokenizer`, an optional peer loaded here.
 */
export async function openaiTokenCounter(encoding: 'o200k_base' | 'cl100k_base' = 'o200k_base'): Promise<TokenCounter> {
  const tokenizer = await loadPeer<{ countTokens(text: string): number }>(`gpt-tokenizer/encoding/${encoding}`, 'openaiTokenCounter');
  return { name: `openai:${encoding}`, count: (text) => countInPieces(text, (piece) => tokenizer.countTokens(piece)) };
}
