import { HttpException } from '@nestjs/common';
import { AgentError } from '../errors/agent.errors.js';
import { publicError } from '../errors/public-error.js';

/** An error answered with this HTTP status as `{error:{code,message}}`; throw it from your own controllers, guards and pipes. */
export class HttpError extends AgentError {
  constructor(
    /** The HTTP status to answer with. */
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

/** What a client is sent for an error. */
export interface HttpErrorBody {
  /** The HTTP status, repeated in the body. */
  status: number;
  /** The error's stable code, for clients to branch on. */
  code: string;
  /** What went wrong, safe to show. */
  message: string;
  /** Sent as Retry-After when the caller should come back later. */
  retryAfterSeconds?: number;
}

/** The HTTP status of each stable error code of the libraries; codes not listed are server faults (500, no detail). */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  agent_not_found: 404,
  run_not_found: 404,
  tenant_required: 403,
  principal_required: 403,
  checkpoint_invalid: 400,
  checkpoint_identity_mismatch: 403,
  checkpoint_used: 409,
  checkpoint_expired: 410,
  checkpoint_revoked: 410,
  invalid_identity: 400,
  invalid_input: 400,
  invalid_limit: 400,
  cross_tenant_access: 403,
  idempotency_conflict: 409,
  run_state_conflict: 409,
  budget_exhausted: 402,
  invalid_output_schema: 400,
  output_invalid: 502,
  provider_error: 502,
  mock_replies_exhausted: 502,
  provider_unavailable: 503,
  rate_limited: 429,
  store_unavailable: 503,
  invalid_last_event_id: 400,
  too_many_streams: 429,
  too_many_runs: 429,
  approval_forbidden: 403,
  guardrail_tripped: 422,
  invalid_chat_request: 400,
};

const HTTP_CODES: Record<number, string> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'too_many_requests' };
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Maps anything thrown while serving a request to a status and a client-safe `{code, message}`; unknown errors never leak their message. */
export function toHttpError(error: unknown): HttpErrorBody {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof HttpException && error.getStatus() < 500) {
    const status = error.getStatus();
    return { status, code: HTTP_CODES[status] ?? 'bad_request', message: error.message };
  }
  const { code, message, retryAfterMs } = publicError(error);
  const status = ERROR_STATUS[code];
  if (status === undefined) return { status: 500, code: 'internal_error', message: 'internal error' };
  return { status, code, message, ...(retryAfterMs !== undefined && status !== 400 ? { retryAfterSeconds: seconds(retryAfterMs) } : {}) };
}
