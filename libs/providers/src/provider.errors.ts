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
    super('mock_replies_exhausted', `mock(): call #${callNumber} has no scripted reply (only ${scripted} scripted)`);
  }
}
