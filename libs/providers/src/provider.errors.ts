/** Base of every error raised at the provider boundary; `code` is stable and safe to branch on. */
export class ProviderBoundaryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A provider was built with options that cannot work (caught at construction, not at the first call). */
export class ProviderConfigError extends ProviderBoundaryError {
  constructor(message: string) {
    super('provider_config', message);
  }
}

/** A `mock({ replies })` was called more often than it has scripted replies. */
export class MockRepliesExhaustedError extends ProviderBoundaryError {
  constructor(
    readonly callNumber: number,
    readonly scripted: number,
  ) {
    super('mock_replies_exhausted', `mock(): call #${callNumber} has no scripted reply (only ${scripted} scripted, for every run of this provider together); script more replies, or answer every call with respond(request)`);
  }
}

/** Stable reasons a provider call failed, the same for every vendor. */
export type ProviderErrorCode = 'rate_limited' | 'overloaded' | 'auth' | 'bad_request' | 'context_length' | 'timeout' | 'network' | 'server' | 'bad_response';

const RETRYABLE: ReadonlySet<ProviderErrorCode> = new Set(['rate_limited', 'overloaded', 'timeout', 'network', 'server']);

/**
 * A vendor call failed. Normalised from each SDK's errors; carries no request data, so the API
 * key can never travel in its message or cause.
 */
export class ProviderError extends ProviderBoundaryError {
  declare readonly code: ProviderErrorCode;

  constructor(
    code: ProviderErrorCode,
    readonly provider: string,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(code, `${provider}: ${message}`);
  }

  /** Worth another attempt: throttling, overload, timeouts, network and 5xx faults (never other 4xx). */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** An optional SDK is not installed; says exactly what to install for which factory. */
export class MissingPeerDependencyError extends ProviderBoundaryError {
  constructor(
    readonly packageName: string,
    readonly factory: string,
  ) {
    super('missing_peer_dependency', `${factory}() needs the optional package ${packageName}: run \`npm install ${packageName}\``);
  }
}

/** The circuit for a provider is open: calls fail fast until `retryAfterMs` has passed. */
export class CircuitOpenError extends ProviderBoundaryError {
  constructor(
    readonly provider: string,
    readonly retryAfterMs: number,
  ) {
    super('circuit_open', `${provider}: circuit open, retry in ${retryAfterMs} ms`);
  }
}

/** A rate-limit budget (requests or tokens per minute) has no room for this call. */
export class RateLimitedError extends ProviderBoundaryError {
  constructor(
    readonly provider: string,
    readonly retryAfterMs: number,
    readonly budgetKey: string,
  ) {
    super('rate_limit_budget', `${provider}: rate-limit budget exhausted, retry in ${retryAfterMs} ms`);
  }
}
