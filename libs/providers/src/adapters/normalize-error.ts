import { ProviderError, type ProviderErrorCode } from '../provider.errors.js';

type HeaderBag = Headers | Record<string, string | string[] | undefined> | undefined;

function header(headers: HeaderBag, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Milliseconds to wait from `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
export function parseRetryAfter(headers: HeaderBag, now = Date.now()): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && header(headers, 'retry-after-ms') !== undefined) return ms;
  const raw = header(headers, 'retry-after');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const CONTEXT_LENGTH = /context.{0,20}(length|window)|too long|too many tokens|maximum.{0,20}tokens/i;

/** The stable code for an HTTP status (and the vendor's message, which alone tells context-length 400s apart). */
export function codeForStatus(status: number, message: string): ProviderErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'overloaded';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'server';
  return CONTEXT_LENGTH.test(message) ? 'context_length' : 'bad_request';
}

/** Removes every occurrence of each secret from vendor-supplied text (a proxy may echo headers back). */
export function redact(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

export interface VendorErrorFacts {
  status?: number;
  headers?: HeaderBag;
  message: string;
  /** Set when the vendor names the problem more precisely than the status does. */
  code?: ProviderErrorCode;
}

export function providerError(provider: string, facts: VendorErrorFacts, secrets: Array<string | undefined>): ProviderError {
  const message = redact(facts.message || 'request failed', secrets).slice(0, 500);
  const code = facts.code ?? (facts.status !== undefined ? codeForStatus(facts.status, message) : 'network');
  return new ProviderError(code, provider, message, facts.status, parseRetryAfter(facts.headers));
}

/** True for the abort errors SDKs raise when the caller's signal fires: those are not provider failures. */
export function isAbort(err: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  const name = (err as { name?: string } | null)?.name ?? '';
  return name === 'AbortError' || name === 'APIUserAbortError';
}

/** Error classification shared by the SDKs built on fetch (Anthropic, OpenAI): APIError with status/headers, connection and timeout errors. */
export function fromFetchSdkError(provider: string, err: unknown, secrets: Array<string | undefined>): ProviderError {
  const e = err as { status?: number; headers?: HeaderBag; name?: string; message?: string; error?: { error?: { message?: string }; message?: string; code?: string } };
  const vendorMessage = e.error?.error?.message ?? e.error?.message ?? e.message ?? '';
  if (typeof e.status === 'number') {
    const code = e.error?.code === 'context_length_exceeded' ? 'context_length' : undefined;
    return providerError(provider, { status: e.status, headers: e.headers, message: vendorMessage, code }, secrets);
  }
  if (/timeout/i.test(e.name ?? '')) return providerError(provider, { message: 'request timed out', code: 'timeout' }, secrets);
  return providerError(provider, { message: `connection failed: ${vendorMessage}`, code: 'network' }, secrets);
}
