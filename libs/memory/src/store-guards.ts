import { sameIdentity, type MemoryIdentity } from './memory-identity.js';
import { CrossTenantAccessError, InvalidIdentityError, MemoryError } from './memory.errors.js';
import { DEFAULT_LOAD_LIMIT, type AppendOptions, type LoadOptions, type MemoryAuditSink, type MemoryMessage, type SearchOptions } from './memory-store.js';

// Checks every store runs at its boundary, so each adapter enforces the same rules the same way.

const ROLES = new Set(['user', 'assistant', 'tool']);

/** Refuses (error + audit event) a record whose stored identity is not the reader's. */
export function assertOwnedBy(stored: MemoryIdentity, reader: MemoryIdentity, store: string, audit?: MemoryAuditSink): void {
  if (sameIdentity(stored, reader)) return;
  audit?.({ type: 'memory.access_refused', store, requested: { tenant: reader.tenant, principal: reader.principal }, at: new Date().toISOString() });
  throw new CrossTenantAccessError();
}

export function resolveLimit(opts: LoadOptions | undefined): number {
  const limit = opts?.limit ?? DEFAULT_LOAD_LIMIT;
  if (!Number.isInteger(limit) || limit < 0) throw new MemoryError('invalid_limit', 'limit must be a non-negative integer');
  return limit;
}

export function resolveOffset(opts: LoadOptions | undefined): number {
  const offset = opts?.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new MemoryError('invalid_limit', 'offset must be a non-negative integer');
  return offset;
}

/** The page of `all` (oldest first) that skips the newest `offset` and keeps the `limit` before them. */
export function pageOf<T>(all: T[], limit: number, offset: number): T[] {
  const end = Math.max(0, all.length - offset);
  return all.slice(Math.max(0, end - limit), end);
}

export function validateMessages(messages: unknown): MemoryMessage[] {
  if (!Array.isArray(messages)) throw new MemoryError('invalid_message', 'messages must be an array');
  for (const m of messages) {
    if (typeof m !== 'object' || m === null || !ROLES.has((m as MemoryMessage).role) || typeof (m as MemoryMessage).content !== 'string') {
      throw new MemoryError('invalid_message', 'each message needs a role (user, assistant or tool) and string content');
    }
  }
  return messages as MemoryMessage[];
}

export function validateScopeField(field: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || value.length === 0) throw new InvalidIdentityError(field, 'must be a non-empty string');
}

/** The embeddings given with an append, checked against the batch: one per message, finite numbers. */
export function validateEmbeddings(messages: MemoryMessage[], opts: AppendOptions | undefined): Array<number[] | undefined> {
  const e = opts?.embeddings;
  if (e === undefined) return messages.map(() => undefined);
  if (!Array.isArray(e) || e.length !== messages.length) throw new MemoryError('invalid_embedding', 'embeddings must have one entry per message');
  for (const v of e) if (v !== undefined && (!Array.isArray(v) || v.length === 0 || v.some((x) => !Number.isFinite(x)))) throw new MemoryError('invalid_embedding', 'each embedding must be a non-empty array of finite numbers');
  return e;
}

export function resolveSearch(vector: unknown, opts: SearchOptions | undefined): { vector: number[]; k: number; minScore: number } {
  if (!Array.isArray(vector) || vector.length === 0 || vector.some((x) => !Number.isFinite(x))) throw new MemoryError('invalid_embedding', 'search vector must be a non-empty array of finite numbers');
  const k = opts?.k ?? 5;
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new MemoryError('invalid_limit', 'k must be an integer from 1 to 100');
  const minScore = opts?.minScore ?? 0;
  if (!Number.isFinite(minScore) || minScore < -1 || minScore > 1) throw new MemoryError('invalid_limit', 'minScore must be between -1 and 1');
  return { vector: vector as number[], k, minScore };
}

/** Cosine similarity; 0 when either vector is all zeros or their lengths differ. */
export function cosine(a: number[], b: number[]): number {
  // Vectors of different lengths come from different embedders: no similarity is defined (as in providers' cosineSimilarity).
  if (a.length !== b.length) throw new MemoryError('invalid_vector', `cannot compare vectors of ${a.length} and ${b.length} dimensions`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** The append's idempotency key, if any: a non-empty string of at most 256 characters. */
export function resolveIdempotencyKey(opts: AppendOptions | undefined): string | undefined {
  const key = opts?.idempotencyKey;
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 256) throw new MemoryError('invalid_idempotency_key', 'idempotencyKey must be a string of 1 to 256 characters');
  return key;
}
