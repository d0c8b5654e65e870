import { HttpException } from '@nestjs/common';
import { AgentError, OutputInvalidError } from '@agentnest/agent';
import { MemoryError } from '@agentnest/memory';
import { CircuitOpenError, ProviderBoundaryError, ProviderError, RateLimitedError } from '@agentnest/providers';
import { ApiError } from './api-error.js';

export interface HttpErrorBody {
  status: number;
  code: string;
  message: string;
  /** Sent as Retry-After when the caller should come back later. */
  retryAfterSeconds?: number;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

// Library error codes that are the caller's doing, with the status each deserves. Anything not
// listed is the server's problem and is answered without detail.
const CLIENT_CODES: Record<string, number> = {
  agent_not_found: 404,
  tenant_required: 403,
  principal_required: 403,
  checkpoint_invalid: 400,
  checkpoint_identity_mismatch: 403,
  invalid_identity: 400,
  invalid_input: 400,
  invalid_limit: 400,
  cross_tenant_access: 403,
  idempotency_conflict: 409,
  run_state_conflict: 409,
  budget_exhausted: 402,
  invalid_output_schema: 400,
};

const HTTP_CODES: Record<number, string> = { 400: 'bad_request', 404: 'not_found', 405: 'method_not_allowed', 413: 'payload_too_large', 415: 'unsupported_media_type' };

// How Redis and PostgreSQL clients report a backend they cannot reach (by class, code or their fixed messages).
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P03', '08000', '08003', '08006']);
const UNREACHABLE_MESSAGES = /Connection is closed|Stream isn't writeable|Connection terminated|connect ECONNREFUSED/;

/** True when a shared store (Redis, PostgreSQL) is down, rather than the request being wrong. */
export function isStoreUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string; errors?: unknown[] } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'MaxRetriesPerRequestError' || (e as { code?: string }).code === 'store_unavailable') return true;
  if (e.code && UNREACHABLE_CODES.has(e.code)) return true;
  if (Array.isArray(e.errors) && e.errors.some(isStoreUnavailable)) return true;
  return typeof e.message === 'string' && UNREACHABLE_MESSAGES.test(e.message);
}

/** Maps anything thrown while serving a request to the API's error shape; unknown errors never leak their message. */
export function toHttpError(error: unknown): HttpErrorBody {
  if (isStoreUnavailable(error)) return { status: 503, code: 'store_unavailable', message: 'a backing store is unavailable; retry shortly', retryAfterSeconds: 1 };
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message };
  if ((error instanceof AgentError || error instanceof MemoryError) && CLIENT_CODES[error.code]) {
    return { status: CLIENT_CODES[error.code], code: error.code, message: error.message };
  }
  if (error instanceof OutputInvalidError) return { status: 502, code: 'output_invalid', message: 'the model could not produce output that matches the schema, and no fallback served' };
  if (error instanceof CircuitOpenError) return { status: 503, code: 'provider_unavailable', message: 'the model provider is failing; calls are paused for a while', retryAfterSeconds: seconds(error.retryAfterMs) };
  if (error instanceof RateLimitedError) return { status: 429, code: 'rate_limited', message: 'the model call budget is spent for now', retryAfterSeconds: seconds(error.retryAfterMs) };
  if (error instanceof ProviderError) {
    const later = error.retryAfterMs !== undefined ? { retryAfterSeconds: seconds(error.retryAfterMs) } : {};
    return { status: 502, code: 'provider_error', message: `the model provider failed (${error.code})`, ...later };
  }
  if (error instanceof ProviderBoundaryError) return { status: 502, code: 'provider_error', message: 'the model provider failed to answer' };
  if (error instanceof HttpException && error.getStatus() < 500) {
    const status = error.getStatus();
    return { status, code: HTTP_CODES[status] ?? 'bad_request', message: error.message };
  }
  return { status: 500, code: 'internal_error', message: 'internal error' };
}
