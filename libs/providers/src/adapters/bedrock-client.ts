import type * as BedrockSdk from '@aws-sdk/client-bedrock-runtime';
import { loadPeer } from '../load-peer.js';
import type { BedrockClientOptions } from './bedrock-client.options.js';

import { ProviderConfigError, type ProviderError, type ProviderErrorCode } from '../provider.errors.js';
import { providerError } from './normalize-error.js';



export interface LoadedBedrock {
  sdk: typeof BedrockSdk;
  client: BedrockSdk.BedrockRuntimeClient;
}

/** A lazily built Bedrock Runtime client (the SDK is an optional peer). maxAttempts 1: withRetry owns retries, so each is counted. */
export function bedrockClient(options: BedrockClientOptions, factory: string): () => Promise<LoadedBedrock> {
  if (!options?.region) throw new ProviderConfigError(`${factory}(): region is required`);
  let loaded: Promise<LoadedBedrock> | undefined;
  return () =>
    (loaded ??= loadPeer<typeof BedrockSdk>('@aws-sdk/client-bedrock-runtime', factory).then((sdk) => ({
      sdk,
      client: new sdk.BedrockRuntimeClient({ region: options.region, credentials: options.credentials, endpoint: options.endpoint, maxAttempts: 1 }),
    })));
}

export const bedrockSecrets = (options: BedrockClientOptions) => [options.credentials?.secretAccessKey, options.credentials?.sessionToken];

// Bedrock names its faults; the name is more precise than the status.
const BY_NAME: Record<string, ProviderErrorCode> = {
  ThrottlingException: 'rate_limited',
  ServiceUnavailableException: 'overloaded',
  ModelNotReadyException: 'overloaded',
  AccessDeniedException: 'auth',
  UnrecognizedClientException: 'auth',
  ExpiredTokenException: 'auth',
  InternalServerException: 'server',
  ModelErrorException: 'server',
  ModelStreamErrorException: 'server',
  ModelTimeoutException: 'timeout',
  TimeoutError: 'timeout',
  ResourceNotFoundException: 'bad_request',
};

export function fromAwsError(err: unknown, secrets: Array<string | undefined>): ProviderError {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
  const status = e.$metadata?.httpStatusCode;
  const named = BY_NAME[e.name ?? ''];
  if (status === undefined && !named) return providerError('bedrock', { message: `connection failed: ${e.message ?? ''}`, code: 'network' }, secrets);
  return providerError('bedrock', { status, headers: e.$response?.headers, message: e.message ?? '', code: named }, secrets);
}

