import type { Embedder } from './embedder.js';

/** Settings for {@link mockEmbedder}. */
export interface MockEmbedderOptions {
  /** Length of the vectors; @default 256 */
  dimensions?: number;
}

// FNV-1a: a stable, fast string hash, so the same text always lands in the same buckets.
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hashed word and character-trigram features, L2-normalised: texts sharing words and spellings point the same way. */
export function featureVector(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  const normalized = text.toLowerCase();
  const add = (feature: string, weight: number) => {
    const h = fnv1a(feature);
    v[h % dimensions] += (h & 0x80000000 ? -1 : 1) * weight;
  };
  for (const word of normalized.match(/[\p{L}\p{N}]+/gu) ?? []) {
    add(`w:${word}`, 2);
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, 1);
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm ? v.map((x) => x / norm) : v;
}

/** A deterministic in-process embedder for development and tests: no network, similar texts close. */
export function mockEmbedder(options: MockEmbedderOptions = {}): Embedder {
  const dimensions = options.dimensions ?? 256;
  return {
    name: 'mock',
    dimensions,
    embed: async (text) => featureVector(text, dimensions),
    embedBatch: async (texts) => texts.map((t) => featureVector(t, dimensions)),
  };
}
