import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AgentError } from '../agent.errors.js';
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { RequestIdentity } from '../context/tenant-context.js';

export type RunStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

/** What a client may see of a queued run. */
export interface RunRecord {
  runId: string;
  agent: string;
  conversationId: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  attempts: number;
  reply?: string;
  error?: { code: string; message: string };
  usage?: { inputTokens: number; outputTokens: number };
  pauseData?: unknown;
}

/** Same Idempotency-Key with a different body: the caller is reusing a key for another request. */
export class IdempotencyConflictError extends AgentError {
  constructor() {
    super('idempotency_conflict', 'this Idempotency-Key was already used with a different request body');
  }
}

export interface RunRegistryOptions {
  redis: Redis;
  /** @default 'agentnest:' */
  prefix?: string;
  /** How long a finished run stays readable; @default 7 days */
  retentionMs?: number;
}

const IDEMPOTENCY_TTL_S = 24 * 3600;
const JSON_FIELDS = new Set(['error', 'usage', 'pauseData', 'checkpoint']);
const tag = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);
const field = (v: string | undefined) => (v === undefined ? '~' : `=${v}`);

/**
 * Queued runs in Redis, one hash per run under its tenant's key space: a run is found only by the
 * tenant and principal that queued it, so another tenant's runId reads exactly like an unknown one.
 * The checkpoint of a paused run stays here, server-side.
 */
export class RunRegistry {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly retentionMs: number;

  constructor(options: RunRegistryOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'agentnest:';
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
  }

  private ownerTag(owner: RequestIdentity): string {
    return tag(`${field(owner.tenant)}:${field(owner.principal)}`);
  }

  private key(owner: RequestIdentity, runId: string): string {
    return `${this.prefix}run:${this.ownerTag(owner)}:${runId}`;
  }

  /**
   * Claims an Idempotency-Key for this caller for 24 h: returns the runId already bound to it when the
   * body is the same, throws IdempotencyConflictError when it differs, or binds `runId` and returns it.
   */
  async claimIdempotencyKey(owner: RequestIdentity, idempotencyKey: string, body: unknown, runId: string): Promise<{ runId: string; existing: boolean }> {
    const key = `${this.prefix}idem:${this.ownerTag(owner)}:${tag(idempotencyKey)}`;
    const bodyHash = tag(JSON.stringify(body));
    const set = await this.redis.set(key, JSON.stringify({ runId, bodyHash }), 'EX', IDEMPOTENCY_TTL_S, 'NX');
    if (set === 'OK') return { runId, existing: false };
    const bound = JSON.parse((await this.redis.get(key)) ?? '{}') as { runId?: string; bodyHash?: string };
    if (bound.bodyHash !== bodyHash || !bound.runId) throw new IdempotencyConflictError();
    return { runId: bound.runId, existing: true };
  }

  async create(owner: RequestIdentity, record: Omit<RunRecord, 'createdAt' | 'updatedAt' | 'attempts' | 'status'>): Promise<RunRecord> {
    const now = new Date().toISOString();
    const full: RunRecord = { ...record, status: 'queued', createdAt: now, updatedAt: now, attempts: 0 };
    const key = this.key(owner, record.runId);
    await this.redis.multi().hset(key, this.encode({ ...full, tenant: owner.tenant ?? '', principal: owner.principal ?? '' })).pexpire(key, this.retentionMs).exec();
    return full;
  }

  async update(owner: RequestIdentity, runId: string, patch: Partial<RunRecord> & { checkpoint?: Checkpoint | null }): Promise<void> {
    const key = this.key(owner, runId);
    const values = this.encode({ ...patch, updatedAt: new Date().toISOString() });
    const cleared = Object.entries(patch).filter(([, v]) => v === null).map(([k]) => k);
    const tx = this.redis.multi().hset(key, values);
    if (cleared.length) tx.hdel(key, ...cleared);
    await tx.pexpire(key, this.retentionMs).exec();
  }

  /** The run as its owner sees it; undefined for an unknown run or someone else's. */
  async get(owner: RequestIdentity, runId: string): Promise<RunRecord | undefined> {
    const raw = await this.redis.hgetall(this.key(owner, runId));
    if (!raw.runId || raw.tenant !== (owner.tenant ?? '') || raw.principal !== (owner.principal ?? '')) return undefined;
    const { tenant: _t, principal: _p, checkpoint: _c, ...visible } = this.decode(raw);
    return visible as unknown as RunRecord;
  }

  /** The server-side checkpoint of the owner's paused run. */
  async checkpoint(owner: RequestIdentity, runId: string): Promise<Checkpoint | undefined> {
    const raw = await this.redis.hget(this.key(owner, runId), 'checkpoint');
    return raw ? (JSON.parse(raw) as Checkpoint) : undefined;
  }

  private encode(values: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null) out[k] = JSON_FIELDS.has(k) ? JSON.stringify(v) : String(v);
    return out;
  }

  private decode(raw: Record<string, string>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : k === 'attempts' ? Number(v) : v;
    return out;
  }
}
