/** Base of agent-layer errors; `code` is stable and is what HTTP and job layers branch on. */
export class AgentError extends Error {
  constructor(
    /** Stable and snake_case (`agent_not_found`): what the HTTP and job layers branch on. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Options that cannot work: raised when an agent or module is built, not mid-run. */
export class AgentConfigError extends AgentError {
  constructor(message: string) {
    super('agent_config', message);
  }
}

/** `requireTenant` is on and the run has no tenant; raised before any I/O. */
export class TenantRequiredError extends AgentError {
  constructor() {
    super('tenant_required', 'this agent requires a tenant in the run identity');
  }
}

/** The run's AbortSignal fired; the run stopped between or inside a step. */
export class RunAbortedError extends AgentError {
  constructor(options?: { cause?: unknown }) {
    super('run_aborted', 'the run was aborted', options);
  }
}

/** No agent is registered under that name. */
export class UnknownAgentError extends AgentError {
  constructor(
    /** The name asked for. */
    readonly agent: string,
  ) {
    super('agent_not_found', `no agent named "${agent}" is registered`);
  }
}

/** A checkpoint is malformed, edited, signed with another key, or from another agent. */
export class CheckpointInvalidError extends AgentError {
  constructor(reason: string) {
    super('checkpoint_invalid', `checkpoint rejected: ${reason}`);
  }
}

/** The checkpoint was resumed already: each one continues its run once. */
export class CheckpointUsedError extends AgentError {
  constructor() {
    super('checkpoint_used', 'this checkpoint was already resumed');
  }
}

/** The checkpoint is older than its time to live. */
export class CheckpointExpiredError extends AgentError {
  constructor() {
    super('checkpoint_expired', 'this checkpoint has expired');
  }
}

/** The conversation or principal was erased after the checkpoint was issued: it can never bring that data back. */
export class CheckpointRevokedError extends AgentError {
  constructor() {
    super('checkpoint_revoked', 'this checkpoint was revoked by an erasure of its conversation or user');
  }
}

/** A valid checkpoint is being resumed by an identity other than the one that paused. */
export class CheckpointIdentityError extends AgentError {
  constructor() {
    super('checkpoint_identity_mismatch', 'checkpoint belongs to another tenant or principal');
  }
}

/** A schema from the caller (a request's responseFormat) is refused: too large, unsafe or not a valid JSON Schema. */
export class InvalidOutputSchemaError extends AgentError {
  constructor(reason: string) {
    super('invalid_output_schema', `output schema refused: ${reason}`);
  }
}

/** A tenant has as many live run streams open in this process as it may; the client should close one or retry later. */
export class TooManyStreamsError extends AgentError {
  constructor(
    /** The per-tenant limit (`maxStreamsPerTenant`). */
    readonly limit: number,
  ) {
    super('too_many_streams', `at most ${limit} live run streams per tenant`);
  }
}

/** A tenant has as many unfinished (queued, running or paused) runs as it may; `retryAfterMs` says when to try again. */
export class TooManyRunsError extends AgentError {
  constructor(
    /** The per-tenant limit (`maxRunsPerTenant`). */
    readonly limit: number,
    /** A suggested wait before trying again (the HTTP layer's Retry-After). */
    readonly retryAfterMs: number,
  ) {
    super('too_many_runs', `at most ${limit} unfinished (queued, running or paused) runs per tenant; retry when one finishes`);
  }
}

/** No tier could produce a value that matches the output schema. */
export class OutputInvalidError extends AgentError {
  constructor(
    /** Why the last candidate failed validation, one line each. */
    readonly errors: string[],
    /** The model's last reply, as given. */
    readonly raw: string,
  ) {
    super('output_invalid', `the reply does not match the output schema: ${errors.slice(0, 5).join('; ')}`);
  }
}

/** The approver may not decide this call: missing approver role, or the caller approving their own call. */
export class ApprovalForbiddenError extends AgentError {
  constructor(reason: string) {
    super('approval_forbidden', `approval refused: ${reason}`);
  }
}

/** A guardrail tripped and the run was blocked (HTTP 422): which guardrail, at which stage, and why. */
export class GuardrailTrippedError extends AgentError {
  constructor(
    /** The guardrail that tripped. */
    readonly guardrail: string,
    /** Where: `input`, `output` or `tool`. */
    readonly stage: string,
    /** The guardrail's reason. */
    readonly reason: string,
  ) {
    super('guardrail_tripped', `blocked by the ${guardrail} guardrail (${stage}): ${reason}`);
  }
}
