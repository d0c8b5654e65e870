import { openaiClient } from '../adapters/openai-client.js';
import type { OpenAIClientOptions } from '../adapters/openai-client.options.js';
import { fromFetchSdkError, isAbort } from '../adapters/normalize-error.js';
import { ProviderConfigError } from '../provider.errors.js';
import { checkedVector, type Embedder, type EmbedOptions } from './embedder.js';

const KNOWN_DIMENSIONS: Record<string, number> = { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072, 'text-embedding-ada-002': 1536 };
/** Inputs per request (the API accepts up to 2048). */
const BATCH = 256;

/** Settings for {@link openaiEmbedder}: the client settings plus the model and its vector length. */
export interface OpenAIEmbedderOptions extends OpenAIClientOptions {
  /** The embedding model; @default 'text-embedding-3-small' */
  model?: string;
  /** Shorter vectors (text-embedding-3 models); required for models this library does not know. */
  dimensions?: number;
}

/** OpenAI (or compatible) embeddings through the official SDK. */
export function openaiEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const sdk = openaiClient(options, 'openaiEmbedder');
  const model = options.model ?? 'text-embedding-3-small';
  const dimensions = options.dimensions ?? KNOWN_DIMENSIONS[model];
  if (!dimensions) throw new ProviderConfigError(`openaiEmbedder(): set dimensions for model ${model}`);

  async function embedBatch(texts: string[], opts: EmbedOptions = {}): Promise<number[][]> {
    const c = await sdk();
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      let data: Array<{ index: number; embedding: unknown }>;
      try {
        data = (await c.embeddings.create({ model, input: texts.slice(i, i + BATCH), ...(options.dimensions ? { dimensions: options.dimensions } : {}) }, { signal: opts.signal })).data;
      } catch (err) {
        if (isAbort(err, opts.signal)) throw opts.signal?.reason ?? err;
        throw fromFetchSdkError('openai', err, [options.apiKey]);
      }
      out.push(...[...data].sort((a, b) => a.index - b.index).map((d) => checkedVector(d.embedding, dimensions, 'openai')));
    }
    return out;
  }

  return { name: 'openai', dimensions, embedBatch, embed: async (text, opts) => (await embedBatch([text], opts))[0] };
}
