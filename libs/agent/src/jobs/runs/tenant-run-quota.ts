import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { encodeOptionalField } from '@agentnest/memory';
import type { RequestIdentity } from '../../context/request-identity.js';
import { AgentConfigError, TooManyRunsError } from '../../errors/agent.errors.js';
import { ownerTag, runRecordKey } from '../redis/owner-tag.js';
import { admitRun } from './admit-run.script.js';

/** @default 100 unfinished (queued, running or paused) runs per tenant */
export const DEFAULT_MAX_RUNS_PER_TENANT = 100;
/**
 * How long an entry counts without being released: a run still queued after a day stops holding a
 * slot, and a slot leaked by a process that died between steps comes back by then at the latest.
 */
const LEASE_MS = 24 * 3600 * 1000;
/** A hint, not a promise: how soon a refused caller may try again (slots free as runs finish). */
const RETRY_AFTER_MS = 5_000;
/** At most one check of a full tenant's entries against their records per this long, per process. */
const RECONCILE_EVERY_MS = 10_000;

const tenantTag = (tenant: string | undefined) => createHash('sha256').update(encodeOptionalField(tenant)).digest('base64url').slice(0, 22);

/**
 * How many unfinished runs (queued, running or paused) each tenant has, shared by every instance: a
 * Redis sorted set per tenant of `<owner tag>:<runId>`, scored by when the entry stops counting.
 * Enqueueing admits (or refuses with TooManyRunsError); a run leaves the count when it finishes, is
 * cancelled or is erased. A paused run keeps its place: its continuation is never refused (an answer
 * is not lost to the cap), so pausing must not make room. The set sits in the tenant's own slot, not
 * the owner's, so admission is a round trip of its own.
 */
export class TenantRunQuota {
  private readonly redis: Redis | Cluster;
  private readonly prefix: string;
  private readonly lastReconciled = new Map<string, number>();

  constructor(
    redis: Redis | Cluster,
    readonly max: number = DEFAULT_MAX_RUNS_PER_TENANT,
    prefix = 'agentnest:',
    private readonly now: () => number = Date.now,
  ) {
    // A NaN would turn the cap off and a null break the script: a bad setting fails at boot, as the service's variable does.
    if (!Number.isSafeInteger(max) || max < 1) throw new AgentConfigError(`maxRunsPerTenant must be a whole number of at least 1 (got ${String(max)})`);
    this.redis = redis;
    this.prefix = prefix;
  }

  private key(tenant: string | undefined): string {
    return `${this.prefix}active-runs:{${tenantTag(tenant)}}`;
  }

  private member = (owner: RequestIdentity, runId: string) => `${ownerTag(owner)}:${runId}`;

  /** Counts the owner's new run, or throws TooManyRunsError when the tenant already has `max`. */
  async admit(owner: RequestIdentity, runId: string): Promise<void> {
    const key = this.key(owner.tenant);
    const member = this.member(owner, runId);
    if ((await admitRun(this.redis, { set: key, member, now: this.now(), leaseMs: LEASE_MS, max: this.max })) >= 0) return;
    // Full: entries whose run is gone or done (a process died before releasing them) are dropped, then once more.
    if (!(await this.reconcile(owner.tenant))) throw new TooManyRunsError(this.max, RETRY_AFTER_MS);
    if ((await admitRun(this.redis, { set: key, member, now: this.now(), leaseMs: LEASE_MS, max: this.max })) < 0) throw new TooManyRunsError(this.max, RETRY_AFTER_MS);
  }

  /** Counts a run without refusing it (a continuation, whose paused run normally still counts; an adopted direct run): an answer is never lost to the cap. */
  async enter(owner: RequestIdentity, runId: string): Promise<void> {
    const key = this.key(owner.tenant);
    await this.redis.multi().zadd(key, this.now() + LEASE_MS, this.member(owner, runId)).pexpire(key, LEASE_MS).exec();
  }

  /** The run no longer counts (finished, cancelled, erased, or never queued). */
  async release(owner: RequestIdentity, runIds: string[]): Promise<void> {
    if (runIds.length) await this.redis.zrem(this.key(owner.tenant), ...runIds.map((runId) => this.member(owner, runId)));
  }

  /** Drops the tenant's entries whose record is missing or finished; true when any was dropped. Throttled per tenant. */
  private async reconcile(tenant: string | undefined): Promise<boolean> {
    const key = this.key(tenant);
    const at = this.now();
    if (at - (this.lastReconciled.get(key) ?? -Infinity) < RECONCILE_EVERY_MS) return false;
    if (this.lastReconciled.size >= 10_000) this.lastReconciled.clear();
    this.lastReconciled.set(key, at);
    const members = await this.redis.zrange(key, '0', '-1');
    const stale: string[] = [];
    for (let i = 0; i < members.length; i += 200) {
      const batch = members.slice(i, i + 200);
      // Each record sits in its owner's slot: single commands, not one pipeline, so a Cluster routes each.
      const statuses = await Promise.all(batch.map((m) => this.redis.hget(this.recordKey(m), 'status')));
      batch.forEach((m, n) => {
        if (statuses[n] !== 'queued' && statuses[n] !== 'running' && statuses[n] !== 'paused') stale.push(m);
      });
    }
    if (stale.length) await this.redis.zrem(key, ...stale);
    return stale.length > 0;
  }

  private recordKey(member: string): string {
    const split = member.indexOf(':');
    return runRecordKey(this.prefix, member.slice(0, split), member.slice(split + 1));
  }
}

