import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { AgentError } from '../../errors/agent.errors.js';
import { canonicalJson } from '../../common/canonical-json.js';
import type { RequestIdentity } from '../../context/request-identity.js';
import { ownerKeys } from '../redis/owner-tag.js';

/** How long an Idempotency-Key stays bound to its run. */
const IDEMPOTENCY_TTL_S = 24 * 3600;

const tag = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

/** Same Idempotency-Key with a different body: the caller is reusing a key for another request. */
export class IdempotencyConflictError extends AgentError {
  constructor() {
    super('idempotency_conflict', 'this Idempotency-Key was already used with a different request body');
  }
}

/**
 * The Idempotency-Keys of one owner's enqueues, each bound to one run for 24 h by a Redis key (the
 * key itself hashed, and the body as a hash of its canonical JSON: the same fields in another order
 * are the same request).
 */
export class IdempotencyKeys {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  /** The Redis key that binds one Idempotency-Key of this owner to a run. */
  key(owner: RequestIdentity, idempotencyKey: string): string {
    return ownerKeys(this.prefix, owner).idempotency(tag(idempotencyKey));
  }

  /** The run the key is bound to with this body; undefined when it is free; IdempotencyConflictError for another body. */
  async bound(owner: RequestIdentity, idempotencyKey: string, body: unknown): Promise<string | undefined> {
    const raw = await this.redis.get(this.key(owner, idempotencyKey));
    return raw === null ? undefined : this.same(raw, body);
  }

  /** Binds the key to `runId`, or returns the run it is bound to already (same body; another is IdempotencyConflictError). */
  async claim(owner: RequestIdentity, idempotencyKey: string, body: unknown, runId: string): Promise<{ runId: string; existing: boolean }> {
    const key = this.key(owner, idempotencyKey);
    if ((await this.redis.set(key, JSON.stringify({ runId, bodyHash: tag(canonicalJson(body)) }), 'EX', IDEMPOTENCY_TTL_S, 'NX')) === 'OK') return { runId, existing: false };
    return { runId: this.same((await this.redis.get(key)) ?? '{}', body), existing: true };
  }

  /** Frees a key whose request failed before its run was queued, so the client's retry can go through. */
  async release(owner: RequestIdentity, idempotencyKey: string, runId: string): Promise<void> {
    const key = this.key(owner, idempotencyKey);
    const bound = JSON.parse((await this.redis.get(key)) ?? '{}') as { runId?: string };
    if (bound.runId === runId) await this.redis.del(key);
  }

  private same(raw: string, body: unknown): string {
    const bound = JSON.parse(raw) as { runId?: string; bodyHash?: string };
    if (bound.bodyHash !== tag(canonicalJson(body)) || !bound.runId) throw new IdempotencyConflictError();
    return bound.runId;
  }
}
