import { bedrockClient, bedrockSecrets, fromAwsError } from '../adapters/bedrock-client.js';
import type { BedrockClientOptions } from '../adapters/bedrock-client.options.js';
import { isAbort } from '../adapters/normalize-error.js';
import { checkedVector, type Embedder, type EmbedOptions } from './embedder.js';

/** Titan embeds one text per call; this many calls run at once for a batch. */
const CONCURRENCY = 4;

/** Settings for {@link bedrockEmbedder}: the client settings plus the Titan model and its vector shape. */
export interface BedrockEmbedderOptions extends BedrockClientOptions {
  /** The Titan embedding model; @default 'amazon.titan-embed-text-v2:0' */
  model?: string;
  /** 256, 512 or 1024 for Titan v2; @default 1024 */
  dimensions?: number;
  /** Ask Titan for unit-length vectors (cosine similarity then equals the dot product); @default true */
  normalize?: boolean;
}

/** Amazon Titan text embeddings on Bedrock (InvokeModel) through the official AWS SDK. */
export function bedrockEmbedder(options: BedrockEmbedderOptions): Embedder {
  const sdk = bedrockClient(options, 'bedrockEmbedder');
  const secrets = bedrockSecrets(options);
  const modelId = options.model ?? 'amazon.titan-embed-text-v2:0';
  const dimensions = options.dimensions ?? 1024;

  async function embed(text: string, opts: EmbedOptions = {}): Promise<number[]> {
    const { sdk: m, client } = await sdk();
    let embedding: unknown;
    try {
      const body = JSON.stringify({ inputText: text, dimensions, normalize: options.normalize ?? true });
      const r = await client.send(new m.InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body }), { abortSignal: opts.signal });
      embedding = (JSON.parse(new TextDecoder().decode(r.body)) as { embedding: unknown }).embedding;
    } catch (err) {
      if (isAbort(err, opts.signal)) throw opts.signal?.reason ?? err;
      throw fromAwsError(err, secrets);
    }
    return checkedVector(embedding, dimensions, 'bedrock');
  }

  async function embedBatch(texts: string[], opts: EmbedOptions = {}): Promise<number[][]> {
    const out = new Array<number[]>(texts.length);
    let next = 0;
    const worker = async () => {
      while (next < texts.length) {
        const i = next++;
        out[i] = await embed(texts[i], opts);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, texts.length) }, worker));
    return out;
  }

  return { name: 'bedrock', dimensions, embed, embedBatch };
}
