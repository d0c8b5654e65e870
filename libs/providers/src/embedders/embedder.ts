import { ProviderBoundaryError, ProviderError } from '../provider.errors.js';

/** Per-call settings for {@link Embedder.embed} and {@link Embedder.embedBatch}. */
export interface EmbedOptions {
  /** Cancels the call. */
  signal?: AbortSignal;
}

/** Turns text into vectors for semantic recall; every vector has `dimensions` entries. */
export interface Embedder {
  /** Which vendor embeds (`openai`, `bedrock`, `mock`), for logs and errors. */
  readonly name: string;
  /** Length of every vector this embedder returns. */
  readonly dimensions: number;
  /** The vector of one text. */
  embed(text: string, opts?: EmbedOptions): Promise<number[]>;
  /** One vector per text, in order. */
  embedBatch(texts: string[], opts?: EmbedOptions): Promise<number[][]>;
}

/** Cosine similarity of two vectors of equal length (0 when either is all zeros). */
export function cosineSimilarity(a: number[], b: number[]): number {
  // Vectors of different lengths come from different embedders: no similarity is defined (as in memory's stores).
  if (a.length !== b.length) throw new ProviderBoundaryError('invalid_vector', `cannot compare vectors of ${a.length} and ${b.length} dimensions`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * A vector from a vendor, checked against the embedder's declared length: a model that answers with
 * other dimensions than configured would make every later similarity meaningless (or refused).
 */
export function checkedVector(vector: unknown, dimensions: number, provider: string): number[] {
  if (!Array.isArray(vector) || vector.length !== dimensions || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    const got = Array.isArray(vector) ? `${vector.length} values` : typeof vector;
    throw new ProviderError('bad_response', provider, `embedding has ${got}, expected ${dimensions} numbers`);
  }
  return vector as number[];
}
