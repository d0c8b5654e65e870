import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ownerTag } from './owner-tag.js';
import { AgentError } from '../agent.errors.js';
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import { canonicalJson } from '../checkpoint/canonical-json.js';
import type { RequestIdentity } from '../context/tenant-context.js';

export type RunStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'budget_exceeded';

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
  /** A cancel was asked for while the run was running. */
  cancelRequested?: boolean;
}

/** The run is not in a state that allows this (a second answer to a pause, cancelling a finished run). */
export class RunStateError extends AgentError {
  constructor(
    readonly status: RunStatus,
    action: string,
  ) {
    super('run_state_conflict', `cannot ${action} a run that is ${status}`);
  }
}

/** Same Idempotency-Key with a different body: the caller is reusing a key for another request. */
export class IdempotencyConflictError extends AgentError {
  constructor() {
    super('idempotency_conflict', 'this Idempotency-Key was already used with a different request body');
  }
}

/** Fields to change on a run; null removes one. */
export type RunPatch = { [K in keyof RunRecord]?: RunRecord[K] | null } & { checkpoint?: Checkpoint | null; jobId?: string; trace?: string };

export interface RunRegistryOptions {
  redis: Redis;
  /** @default 'agentnest:' */
  prefix?: string;
  /** How long a finished run stays readable; @default 7 days */
  retentionMs?: number;
}

const IDEMPOTENCY_TTL_S = 24 * 3600;

// Moves a run to ARGV[1] only if its status is one of ARGV[3..]; ARGV[2] is a JSON object of fields
// to set with it. Returns the previous status, or false when the run does not exist / is elsewhere.
const TRANSITION = `local s = redis.call('HGET', KEYS[1], 'status')
if not s then return false end
for i = 3, #ARGV do
  if s == ARGV[i] then
    local f = cjson.decode(ARGV[2])
    redis.call('HSET', KEYS[1], 'status', ARGV[1])
    for k, v in pairs(f) do
      if v == '' then redis.call('HDEL', KEYS[1], k) else redis.call('HSET', KEYS[1], k, v) end
    end
    return s
  end
end
return {err = 'state:' .. s}`;

type Scripted = Redis & { agentnestRunTransition(key: string, to: string, fields: string, ...from: string[]): Promise<string | null> };
const JSON_FIELDS = new Set(['error', 'usage', 'pauseData', 'checkpoint']);
const HIDDEN = new Set(['tenant', 'principal', 'checkpoint', 'resumes', 'jobId', 'trace']);
const tag = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

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
    if (!(this.redis as Scripted).agentnestRunTransition) this.redis.defineCommand('agentnestRunTransition', { numberOfKeys: 1, lua: TRANSITION });
    this.prefix = options.prefix ?? 'agentnest:';
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
  }

  private key(owner: RequestIdentity, runId: string): string {
    return `${this.prefix}run:${ownerTag(owner)}:${runId}`;
  }

  /**
   * Claims an Idempotency-Key for this caller for 24 h: returns the runId already bound to it when the
   * body is the same, throws IdempotencyConflictError when it differs, or binds `runId` and returns it.
   */
  async claimIdempotencyKey(owner: RequestIdentity, idempotencyKey: string, body: unknown, runId: string): Promise<{ runId: string; existing: boolean }> {
    const key = `${this.prefix}idem:${ownerTag(owner)}:${tag(idempotencyKey)}`;
    // Canonical: the same fields in another order are the same request.
    const bodyHash = tag(canonicalJson(body));
    const set = await this.redis.set(key, JSON.stringify({ runId, bodyHash }), 'EX', IDEMPOTENCY_TTL_S, 'NX');
    if (set === 'OK') return { runId, existing: false };
    const bound = JSON.parse((await this.redis.get(key)) ?? '{}') as { runId?: string; bodyHash?: string };
    if (bound.bodyHash !== bodyHash || !bound.runId) throw new IdempotencyConflictError();
    return { runId: bound.runId, existing: true };
  }

  /** Frees a key whose request failed before its run was queued, so the client's retry can go through. */
  async releaseIdempotencyKey(owner: RequestIdentity, idempotencyKey: string, runId: string): Promise<void> {
    const key = `${this.prefix}idem:${ownerTag(owner)}:${tag(idempotencyKey)}`;
    const bound = JSON.parse((await this.redis.get(key)) ?? '{}') as { runId?: string };
    if (bound.runId === runId) await this.redis.del(key);
  }

  /** Records a new queued run; `jobId` is the BullMQ job that will run it (kept server-side, for cancel). */
  async create(owner: RequestIdentity, record: Omit<RunRecord, 'createdAt' | 'updatedAt' | 'attempts' | 'status'>, jobId: string): Promise<RunRecord> {
    const now = new Date().toISOString();
    const full: RunRecord = { ...record, status: 'queued', createdAt: now, updatedAt: now, attempts: 0 };
    const key = this.key(owner, record.runId);
    await this.redis.multi().hset(key, this.encode({ ...full, jobId, tenant: owner.tenant ?? '', principal: owner.principal ?? '' })).pexpire(key, this.retentionMs).exec();
    return full;
  }

  async update(owner: RequestIdentity, runId: string, patch: RunPatch): Promise<void> {
    const key = this.key(owner, runId);
    const values = this.encode({ ...patch, updatedAt: new Date().toISOString() });
    const cleared = Object.entries(patch).filter(([, v]) => v === null).map(([k]) => k);
    const tx = this.redis.multi().hset(key, values);
    if (cleared.length) tx.hdel(key, ...cleared);
    await tx.pexpire(key, this.retentionMs).exec();
  }

  /**
   * Atomically moves the owner's run from one of `from` to `to` with `fields`. Returns the status it
   * had; undefined when there is no such run for this owner; throws RunStateError when its status is not in `from`.
   */
  async transition(owner: RequestIdentity, runId: string, from: RunStatus[], to: RunStatus, fields: RunPatch = {}, action = `move to ${to}`): Promise<RunStatus | undefined> {
    // null clears a field (sent as '', which the script deletes).
    const cleared = Object.fromEntries(Object.entries(fields).filter(([, v]) => v === null).map(([k]) => [k, '']));
    const values = { ...this.encode({ ...fields, updatedAt: new Date().toISOString() }), ...cleared };
    try {
      const previous = await (this.redis as Scripted).agentnestRunTransition(this.key(owner, runId), to, JSON.stringify(values), ...from);
      return previous === null ? undefined : (previous as RunStatus);
    } catch (err) {
      const m = /state:(\w+)/.exec(String((err as Error).message));
      if (m) throw new RunStateError(m[1] as RunStatus, action);
      throw err;
    }
  }

  private channel(): string {
    return `${this.prefix}run-cancel`;
  }

  /** Tells every worker to abort this run if it is running there. */
  async requestCancel(runId: string): Promise<void> {
    await this.redis.publish(this.channel(), runId);
  }

  /** Calls `handler(runId)` for every cancel request, on a dedicated subscriber connection; returns a closer. */
  async onCancel(handler: (runId: string) => void): Promise<() => Promise<void>> {
    const sub = this.redis.duplicate();
    await sub.subscribe(this.channel());
    sub.on('message', (_channel: string, runId: string) => handler(runId));
    return async () => {
      await sub.quit().catch(() => sub.disconnect());
    };
  }

  /** The run as its owner sees it; undefined for an unknown run or someone else's. */
  async get(owner: RequestIdentity, runId: string): Promise<RunRecord | undefined> {
    const raw = await this.redis.hgetall(this.key(owner, runId));
    if (!raw.runId || raw.tenant !== (owner.tenant ?? '') || raw.principal !== (owner.principal ?? '')) return undefined;
    const decoded = this.decode(raw);
    return Object.fromEntries(Object.entries(decoded).filter(([k]) => !HIDDEN.has(k))) as unknown as RunRecord;
  }

  /** The BullMQ job currently carrying the run (its first job, or its latest continuation). */
  async jobId(owner: RequestIdentity, runId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key(owner, runId), 'jobId')) ?? undefined;
  }

  /** How many times the run has been resumed (names each continuation job). */
  async nextResume(owner: RequestIdentity, runId: string): Promise<number> {
    return this.redis.hincrby(this.key(owner, runId), 'resumes', 1);
  }

  /** What a continuation needs: the owner's paused run's server-side checkpoint, and the traceparent of the run's first job (to link to). */
  async continuation(owner: RequestIdentity, runId: string): Promise<{ checkpoint?: Checkpoint; trace?: string }> {
    const [checkpoint, trace] = await this.redis.hmget(this.key(owner, runId), 'checkpoint', 'trace');
    return { checkpoint: checkpoint ? (JSON.parse(checkpoint) as Checkpoint) : undefined, trace: trace ?? undefined };
  }

  private encode(values: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null) out[k] = JSON_FIELDS.has(k) ? JSON.stringify(v) : String(v);
    return out;
  }

  private decode(raw: Record<string, string>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : k === 'attempts' || k === 'resumes' ? Number(v) : k === 'cancelRequested' ? v === 'true' : v;
    return out;
  }
}
