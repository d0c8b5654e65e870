import type { Cluster, Redis } from 'ioredis';
import { ownerKeys } from '../redis/owner-tag.js';
import { IdempotencyKeys } from './idempotency-keys.js';
import { dedicatedConnection } from '../redis/dedicated-connection.js';
import { replicated } from '../redis/replicated.js';
import { AgentError } from '../../errors/agent.errors.js';
import type { Checkpoint } from '../../checkpoint/checkpoint.js';
import type { RequestIdentity } from '../../context/request-identity.js';
import { DEFAULT_EVENTS_TTL_MS, DEFAULT_MAX_EVENTS, type RunEventsOptions, type RunStreamEvent } from '../streams/run-events.js';
import type { StreamBounds } from '../streams/append-events.script.js';
import { answerRun, cancelRun, createRun, transitionRun } from './run-scripts.js';
import { currentRunFields, type RunRecord, type RunStatus } from './run-record.js';

export type { RunRecord, RunStatus } from './run-record.js';

const STATE_CONFLICTS = {
  answered: (action: string) => `cannot ${action} a run whose answer was accepted and waits for a worker; cancel it once it is running`,
  awaiting_approval: (action: string) => `cannot ${action} a run that waits for an approval: an approver decides it`,
};

/** The run is not in a state that allows this (a second answer to a pause, cancelling a finished run). */
export class RunStateError extends AgentError {
  constructor(
    /** The run's status; 'answered': queued with an accepted answer no worker has started; 'awaiting_approval': paused on a call an approver must decide. */
    readonly status: RunStatus | 'answered' | 'awaiting_approval',
    action: string,
    /** The whole sentence, where "cannot <action> a run that is <status>" would not read. */
    message?: string,
  ) {
    super('run_state_conflict', message ?? STATE_CONFLICTS[status as keyof typeof STATE_CONFLICTS]?.(action) ?? `cannot ${action} a run that is ${status}`);
  }
}

/** Fields to change on a run; null removes one. */
export type RunPatch = { [K in keyof RunRecord]?: RunRecord[K] | null } & { checkpoint?: Checkpoint | null; jobId?: string; trace?: string; answered?: null; approval?: string };

/** A run that starts out paused: what it shows, the server-side checkpoint, and the key of the approval it waits for. */
export interface PausedRun {
  pauseData: unknown;
  checkpoint: Checkpoint;
  usage?: RunRecord['usage'];
  approval?: string;
}

export interface RunRegistryOptions {
  redis: Redis | Cluster;
  /** @default 'agentnest:' */
  prefix?: string;
  /** How long a finished run stays readable; @default 7 days */
  retentionMs?: number;
  /** The run event streams' bounds, for the events a status change appends (the same as RunEvents'). */
  events?: Pick<RunEventsOptions, 'maxEvents' | 'ttlMs'>;
}

const JSON_FIELDS = new Set(['error', 'usage', 'pauseData', 'checkpoint', 'output', 'outputSchema']);
const HIDDEN = new Set(['tenant', 'principal', 'checkpoint', 'resumes', 'jobId', 'trace', 'idem', 'answered', 'outputSchema', 'approval']);
/** A state script's `state:<status>` error as RunStateError; any other error as it is. */
function stateError(err: unknown, action: string): unknown {
  const m = /state:(\w+)/.exec(String((err as Error).message));
  return m ? new RunStateError(m[1] as RunStatus | 'answered', action) : err;
}

/** A stored run's tenant and principal are the asking owner's (checked on every read, beside the owner-scoped key). */
const ownedBy = (stored: { tenant?: string | null; principal?: string | null }, owner: RequestIdentity) => stored.tenant === (owner.tenant ?? '') && stored.principal === (owner.principal ?? '');

/**
 * Queued runs in Redis, one hash per run under its tenant's key space: a run is found only by the
 * tenant and principal that queued it, so another tenant's runId reads exactly like an unknown one.
 * The checkpoint of a paused run stays here, server-side.
 */
export class RunRegistry {
  private readonly redis: Redis | Cluster;
  private readonly prefix: string;
  private readonly retentionMs: number;
  /** The event streams' max events and ttl. */
  private readonly stream: StreamBounds;

  constructor(options: RunRegistryOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'agentnest:';
    this.idempotency = new IdempotencyKeys(this.redis, this.prefix);
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
    this.stream = { maxEvents: options.events?.maxEvents ?? DEFAULT_MAX_EVENTS, ttlMs: options.events?.ttlMs ?? DEFAULT_EVENTS_TTL_MS };
  }

  private key(owner: RequestIdentity, runId: string): string {
    return ownerKeys(this.prefix, owner).record(runId);
  }

  /** The owner's Idempotency-Keys, in the same Redis. */
  readonly idempotency: IdempotencyKeys;

  /**
   * Records a new queued run and appends `event` (its first) to its stream, in one round trip;
   * server-side only: `jobId`, the BullMQ job that will run it (for cancel), `idempotencyKey`, the
   * Redis key that bound it (removed with the run on erasure), `outputSchema`, the run's
   * responseFormat (for its continuations), and `paused`, for a run that paused before it was
   * queued (a direct run waiting for an approval). The run joins its owner's indexes (all runs, and
   * runs of the conversation), so erasure finds it.
   */
  async create(owner: RequestIdentity, record: Omit<RunRecord, 'createdAt' | 'updatedAt' | 'attempts' | 'status'>, server: { jobId: string; idempotencyKey?: string; outputSchema?: Record<string, unknown>; paused?: PausedRun }, event?: RunStreamEvent): Promise<RunRecord> {
    const { jobId, idempotencyKey, outputSchema, paused } = server;
    const at = Date.now();
    const now = new Date(at).toISOString();
    const full: RunRecord = { ...record, status: paused ? 'paused' : 'queued', createdAt: now, updatedAt: now, attempts: 0, ...(paused ? { pauseData: paused.pauseData, usage: paused.usage } : {}) };
    const keys = ownerKeys(this.prefix, owner);
    const stored = { jobId, tenant: owner.tenant ?? '', principal: owner.principal ?? '', ...(idempotencyKey ? { idem: idempotencyKey } : {}), ...(outputSchema ? { outputSchema } : {}), ...(paused ? { checkpoint: paused.checkpoint, ...(paused.approval ? { approval: paused.approval } : {}) } : {}) };
    const fields = Object.entries(this.encode({ ...full, ...stored })).flat();
    await createRun(this.redis, { record: keys.record(record.runId), runs: keys.runs, conversation: keys.conversation(record.conversationId), stream: keys.events(record.runId), bounds: this.stream, runId: record.runId, retentionMs: this.retentionMs, now: at, events: event ? [event] : [], fields });
    return full;
  }

  /**
   * Deletes the owner's runs (all of them, or those of one conversation): records with their
   * replies, server-side checkpoints and errors, event streams, and the Idempotency-Key records
   * that bound them. Returns what each deleted run was carried by (its BullMQ job ids) so the
   * caller can remove the job payloads too.
   */
  async erase(owner: RequestIdentity, scope: { conversationId?: string } = {}): Promise<Array<{ runId: string; status?: RunStatus; jobIds: string[] }>> {
    const keys = ownerKeys(this.prefix, owner);
    const index = scope.conversationId === undefined ? keys.runs : keys.conversation(scope.conversationId);
    const runIds = await this.redis.zrange(index, '0', '-1');
    const erased: Array<{ runId: string; status?: RunStatus; jobIds: string[] }> = [];
    for (let i = 0; i < runIds.length; i += 100) {
      const batch = runIds.slice(i, i + 100);
      const read = this.redis.pipeline();
      for (const runId of batch) read.hmget(keys.record(runId), 'status', 'conversationId', 'idem', 'resumes', 'approval');
      const fields = ((await read.exec()) ?? []).map(([, v]) => v as Array<string | null>);
      const del = this.redis.pipeline();
      const approvals: string[] = [];
      batch.forEach((runId, n) => {
        const [status, conversationId, idem, resumes, approval] = fields[n] ?? [];
        del.unlink(keys.record(runId), keys.events(runId), ...(idem ? [idem] : []));
        // The approval a paused run waits for holds its arguments: it goes too (the tenant's slot, not the owner's: its own command).
        if (approval) approvals.push(approval);
        del.zrem(keys.runs, runId);
        if (conversationId) del.zrem(keys.conversation(conversationId), runId);
        if (!status) return; // expired already: only its index entry was left
        const jobIds = [runId, ...Array.from({ length: Number(resumes ?? 0) }, (_, r) => `${runId}-r${r + 1}`)];
        erased.push({ runId, status: status as RunStatus, jobIds });
      });
      await del.exec();
      await Promise.all(approvals.map((key) => this.redis.unlink(key)));
    }
    return erased;
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
   * Atomically moves the owner's run from one of `from` to `to` with `fields`, appending `events`
   * to its stream in the same step. Returns the status it had; undefined when there is no such run
   * for this owner; throws RunStateError when its status is not in `from`.
   */
  async transition(owner: RequestIdentity, runId: string, from: RunStatus[], to: RunStatus, fields: RunPatch = {}, opts: { events?: RunStreamEvent[]; action?: string } = {}): Promise<RunStatus | undefined> {
    return (await this.move(owner, runId, from, to, fields, opts))?.previous;
  }

  /**
   * A worker takes the owner's queued run (or a running one whose worker died) and appends
   * `events`, in one round trip. Undefined when the run is gone or elsewhere (finished, cancelled);
   * `cancelRequested` when a cancel was asked for meanwhile.
   */
  claim(owner: RequestIdentity, runId: string, fields: RunPatch, events: RunStreamEvent[]): Promise<{ previous: RunStatus; cancelRequested: boolean } | undefined> {
    return this.move(owner, runId, ['queued', 'running'], 'running', fields, { events }).catch((err: unknown) => {
      if (err instanceof RunStateError) return undefined;
      throw err;
    });
  }

  // Chained, not awaited through helpers: a worker moves every run twice, and each async layer is a promise more per move.
  private move(owner: RequestIdentity, runId: string, from: RunStatus[], to: RunStatus, fields: RunPatch, opts: { events?: RunStreamEvent[]; action?: string }): Promise<{ previous: RunStatus; cancelRequested: boolean } | undefined> {
    const set: string[] = ['updatedAt', new Date().toISOString()];
    const cleared: string[] = [];
    for (const [k, v] of Object.entries(fields)) {
      if (v === null) cleared.push(k);
      else if (v !== undefined) set.push(k, JSON_FIELDS.has(k) ? JSON.stringify(v) : String(v));
    }
    const keys = ownerKeys(this.prefix, owner);
    return transitionRun(this.redis, { record: keys.record(runId), stream: keys.events(runId), bounds: this.stream, from, to, events: opts.events ?? [], set, clear: cleared }).then(
      (moved) => (moved ? { previous: moved[0] as RunStatus, cancelRequested: moved[1] === 'true' } : undefined),
      (err: unknown) => {
        throw stateError(err, opts.action ?? `move to ${to}`);
      },
    );
  }

  /**
   * Accepts an answer to the owner's paused run: it becomes queued with a new continuation job id
   * (returned). Undefined when there is no such run; RunStateError when it is not paused.
   */
  async answer(owner: RequestIdentity, runId: string): Promise<string | undefined> {
    return (await this.scripted(() => answerRun(this.redis, { record: this.key(owner, runId), runId, now: new Date().toISOString() }), 'answer')) ?? undefined;
  }

  /**
   * Cancels the owner's queued or paused run; returns the status it had. Undefined when there is
   * no such run; RunStateError when it is running, finished, or its answer is waiting for a worker.
   */
  async cancel(owner: RequestIdentity, runId: string): Promise<RunStatus | undefined> {
    return ((await this.scripted(() => cancelRun(this.redis, { record: this.key(owner, runId), now: new Date().toISOString() }), 'cancel')) ?? undefined) as RunStatus | undefined;
  }

  /** Runs a state script: a `state:<status>` error becomes RunStateError. */
  private async scripted<T>(call: () => Promise<T>, action: string): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw stateError(err, action);
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
    // Its own connection (subscriber mode); on a cluster a SUBSCRIBE hears what any node publishes.
    const sub = dedicatedConnection(this.redis);
    await sub.subscribe(this.channel());
    sub.on('message', (_channel: string, runId: string) => handler(runId));
    return async () => {
      await sub.quit().catch(() => sub.disconnect());
    };
  }

  /** Whether the owner's run is still there (an erasure removes it); one EXISTS, for followers that wait. */
  async exists(owner: RequestIdentity, runId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(owner, runId))) === 1;
  }

  /** The run as its owner sees it; undefined for an unknown run or someone else's. */
  async get(owner: RequestIdentity, runId: string): Promise<RunRecord | undefined> {
    const raw = await this.redis.hgetall(this.key(owner, runId));
    if (!raw.runId || !ownedBy(raw, owner)) return undefined;
    return this.visible(raw);
  }

  /** A stored run without its server-side fields. */
  private visible(raw: Record<string, string>): RunRecord {
    return currentRunFields(Object.fromEntries(Object.entries(this.decode(raw)).filter(([k]) => !HIDDEN.has(k))) as unknown as RunRecord);
  }

  /** The owner's most recent runs, newest first (at most `limit`). */
  async list(owner: RequestIdentity, limit: number): Promise<RunRecord[]> {
    const keys = ownerKeys(this.prefix, owner);
    const runIds = await this.redis.zrevrange(keys.runs, 0, limit - 1);
    if (!runIds.length) return [];
    const read = this.redis.pipeline();
    for (const runId of runIds) read.hgetall(keys.record(runId));
    const rows = ((await read.exec()) ?? []).map(([, v]) => v as Record<string, string>);
    return rows.filter((raw) => raw?.runId && ownedBy(raw, owner)).map((raw) => this.visible(raw));
  }

  /** The owner's newest run of one conversation (a chat's current turn), if any. */
  async latest(owner: RequestIdentity, conversationId: string): Promise<RunRecord | undefined> {
    const [runId] = await this.redis.zrevrange(ownerKeys(this.prefix, owner).conversation(conversationId), 0, 0);
    return runId ? this.get(owner, runId) : undefined;
  }

  /** True on a Redis Cluster. */
  get clustered(): boolean {
    return this.redis.isCluster;
  }

  /** Waits until a replica has this run's record (a Redis Cluster; see replicated()). */
  replicated(owner: RequestIdentity, runId: string): Promise<void> {
    return replicated(this.redis, this.key(owner, runId));
  }

  /**
   * What cancelling the owner's run needs to know: its status, whether an accepted answer waits for
   * a worker, the BullMQ job carrying it (its first job, or its latest continuation) and what it is
   * paused on. Undefined for an unknown run or someone else's.
   */
  async cancelTarget(owner: RequestIdentity, runId: string): Promise<{ status: RunStatus; answered: boolean; jobId?: string; pauseData?: unknown } | undefined> {
    const [status, answered, jobId, pauseData, tenant, principal] = await this.redis.hmget(this.key(owner, runId), 'status', 'answered', 'jobId', 'pauseData', 'tenant', 'principal');
    if (!status || !ownedBy({ tenant, principal }, owner)) return undefined;
    return { status: status as RunStatus, answered: answered !== null, jobId: jobId ?? undefined, pauseData: pauseData ? JSON.parse(pauseData) : undefined };
  }

  /** What a continuation needs: the owner's paused run's server-side checkpoint and output schema, and the traceparent of the run's first job (to link to). */
  async continuation(owner: RequestIdentity, runId: string): Promise<{ checkpoint?: Checkpoint; trace?: string; outputSchema?: Record<string, unknown> }> {
    const [checkpoint, trace, outputSchema] = await this.redis.hmget(this.key(owner, runId), 'checkpoint', 'trace', 'outputSchema');
    return {
      checkpoint: checkpoint ? (JSON.parse(checkpoint) as Checkpoint) : undefined,
      trace: trace ?? undefined,
      outputSchema: outputSchema ? (JSON.parse(outputSchema) as Record<string, unknown>) : undefined,
    };
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
