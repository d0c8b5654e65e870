import { MemoryError } from '@agentnest/memory';
import { CircuitOpenError, MockRepliesExhaustedError, ProviderBoundaryError, ProviderError, RateLimitedError } from '@agentnest/providers';
import { AgentError, OutputInvalidError, TooManyRunsError } from './agent.errors.js';

/** What a client may be told about a failure: a stable code and a message that carries no upstream detail. */
export interface PublicError {
  /** The error's stable code (`internal_error` for anything not meant for the caller). */
  code: string;
  /** A message safe to show the caller. */
  message: string;
  /** When the caller should come back (rate limits, an open circuit, a vendor's Retry-After). */
  retryAfterMs?: number;
}

// How Redis and PostgreSQL clients report a backend they cannot reach (by class, code or their fixed messages).
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P03', '08000', '08003', '08006']);
// A Redis Cluster between a master's death and its replica's promotion says so in its own words.
const UNREACHABLE_MESSAGES = /Connection is closed|Stream isn't writeable|Connection terminated|connect ECONNREFUSED|Command timed out|CLUSTERDOWN|TRYAGAIN|Failed to refresh slots cache|Too many Cluster redirections|None of startup nodes is available/;

/** True when a shared store (Redis, PostgreSQL) is down, rather than the request being wrong. */
export function isStoreUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string; errors?: unknown[] } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'MaxRetriesPerRequestError' || e.name === 'ClusterAllFailedError' || e.code === 'store_unavailable') return true;
  if (e.code && UNREACHABLE_CODES.has(e.code)) return true;
  if (Array.isArray(e.errors) && e.errors.some(isStoreUnavailable)) return true;
  return typeof e.message === 'string' && UNREACHABLE_MESSAGES.test(e.message);
}

/**
 * The one sanitised description of any error a run or request can end with, shared by the HTTP
 * layer and queued runs' records and event streams. Library errors keep their code and own message;
 * provider failures say only which kind; anything else is `internal_error` without detail.
 */
export function publicError(error: unknown): PublicError {
  if (isStoreUnavailable(error)) return { code: 'store_unavailable', message: 'a backing store is unavailable; retry shortly', retryAfterMs: 1_000 };
  if (error instanceof OutputInvalidError) return { code: 'output_invalid', message: 'the model could not produce output that matches the schema, and no fallback served' };
  if (error instanceof TooManyRunsError) return { code: error.code, message: error.message, retryAfterMs: error.retryAfterMs };
  if (error instanceof AgentError || error instanceof MemoryError) return { code: error.code, message: error.message };
  if (error instanceof CircuitOpenError) return { code: 'provider_unavailable', message: 'the model provider is failing; calls are paused for a while', retryAfterMs: error.retryAfterMs };
  if (error instanceof RateLimitedError) return { code: 'rate_limited', message: 'the model call budget is spent for now', retryAfterMs: error.retryAfterMs };
  if (error instanceof ProviderError) return { code: 'provider_error', message: `the model provider failed (${error.code})`, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) };
  // The development model's script ran out: the developer needs to know that, and it holds no upstream detail.
  if (error instanceof MockRepliesExhaustedError) return { code: error.code, message: error.message };
  if (error instanceof ProviderBoundaryError) return { code: 'provider_error', message: 'the model provider failed to answer' };
  return { code: 'internal_error', message: 'internal error' };
}
