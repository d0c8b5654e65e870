/** Base of memory-layer errors; `code` is stable and safe to branch on (the same shape as AgentError and ProviderBoundaryError). */
export class MemoryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An identity field has the wrong type or length. The message names the field, never its value. */
export class InvalidIdentityError extends MemoryError {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super('invalid_identity', `identity.${field} ${reason}`);
  }
}

/** A stored record belongs to another identity than the one reading it; it is never returned. */
export class CrossTenantAccessError extends MemoryError {
  constructor() {
    super('cross_tenant_access', 'a stored record does not belong to the requesting identity; access refused');
  }
}

/** An optional driver (ioredis, pg, the AgentCore SDK) is not installed; says what to install. */
export class MissingPeerDependencyError extends MemoryError {
  constructor(
    readonly packageName: string,
    readonly store: string,
  ) {
    super('missing_peer_dependency', `${store} needs the optional package ${packageName}: run \`npm install ${packageName}\``);
  }
}

/** The backing store could not be reached or failed; nothing was read or written by this call. */
export class StoreUnavailableError extends MemoryError {
  constructor(store: string, reason: string) {
    super('store_unavailable', `${store} is unavailable: ${reason}`);
  }
}
