import type OpenAISdk from 'openai';
import { loadPeer } from '../load-peer.js';
import type { OpenAIClientOptions } from './openai-client.options.js';

import { ProviderConfigError } from '../provider.errors.js';


/** A lazily built OpenAI client (the SDK is an optional peer). SDK retries are off: withRetry owns them. */
export function openaiClient(options: OpenAIClientOptions, factory: string): () => Promise<OpenAISdk> {
  if (!options?.apiKey) throw new ProviderConfigError(`${factory}(): apiKey is required`);
  let client: Promise<OpenAISdk> | undefined;
  return () =>
    (client ??= loadPeer<{ default: new (o: object) => OpenAISdk }>('openai', factory).then(
      (m) => new m.default({ apiKey: options.apiKey, baseURL: options.baseURL, organization: options.organization, maxRetries: 0, timeout: options.timeoutMs ?? 60_000 }),
    ));
}
