/** Base of memory-layer errors; `code` is stable and safe to branch on. */
export class MemoryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
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
