import { createHash, randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { budgetFor, hasLimits, chargeCounters, checkedCharge, daysBetween, DEFAULT_LEASE_MS, holdMicros, period, refuseHold, toMicros, UNKNOWN_LABEL, usageRow, type CostLedger, type HoldRequest, type LedgerCharge, type Reservation, type TenantBudgets, type UsageRow } from './cost-ledger.js';
import { RECONCILE, RENEW, RESERVE, SETTLE } from './redis-ledger-scripts.js';

/** Where a RedisCostLedger keeps spend and holds, and the budgets it enforces across instances. */
export interface RedisCostLedgerOptions {
  /** A client or cluster shared by every instance, so they all draw on the same budgets. */
  redis: Redis | Cluster;
  /** Daily and monthly limits by tenant; without them spend is only recorded. */
  budgets?: TenantBudgets;
  /** Prefix of its keys; @default 'agentnest:' */
  prefix?: string;
  /** How long daily usage lines are kept; @default 400 days */
  usageRetentionDays?: number;
  /** How long a hold lives unrenewed (by the Redis server's clock); @default DEFAULT_LEASE_MS */
  leaseMs?: number;
}

type Args = Array<string | number>;
type Scripted = (Redis | Cluster) & {
  agentnestLedgerReserve(...keysAndArgs: Args): Promise<[number, number, number, number]>;
  agentnestLedgerSettle(...keysAndArgs: Args): Promise<number>;
  agentnestLedgerRenew(...keysAndArgs: Args): Promise<number>;
  agentnestLedgerReconcile(...keysAndArgs: Args): Promise<number>;
};
const SCRIPTS = { agentnestLedgerReserve: [6, RESERVE], agentnestLedgerSettle: [2, SETTLE], agentnestLedgerRenew: [2, RENEW], agentnestLedgerReconcile: [2, RECONCILE] } as const;
const DAY_MS = 86_400_000;

/** The tenant ledger in Redis: spend in integer micro-USD per tenant and UTC day/month, usage per day in a hash. */
export class RedisCostLedger implements CostLedger {
  private readonly redis: Scripted;
  private readonly prefix: string;

  private readonly usageTtl: number;

  readonly budgeted: boolean;
  readonly leaseMs: number;

  constructor(private readonly options: RedisCostLedgerOptions) {
    this.budgeted = hasLimits(options.budgets);
    this.redis = options.redis as Scripted;
    // Defined once per client: several ledgers may share one.
    for (const [name, [numberOfKeys, lua]] of Object.entries(SCRIPTS)) if (!(this.redis as unknown as Record<string, unknown>)[name]) this.redis.defineCommand(name, { numberOfKeys, lua });
    this.prefix = options.prefix ?? 'agentnest:';
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.usageTtl = (options.usageRetentionDays ?? 400) * DAY_MS;
  }

  /** One hash-tagged space per tenant: its keys share a cluster slot, so the reserve script may touch them together. */
  private base(tenant: string): string {
    return `${this.prefix}ledger:{${createHash('sha256').update(tenant).digest('base64url').slice(0, 22)}}`;
  }

  async reserve(tenant: string, hold: HoldRequest): Promise<Reservation> {
    const { day, month } = period();
    const h = holdMicros(hold);
    const budget = budgetFor(this.options.budgets, tenant);
    const limit = (usd: number | undefined) => (usd === undefined ? -1 : toMicros(usd));
    const base = this.base(tenant);
    const holdId = randomUUID();
    const labels = [hold.agent ?? UNKNOWN_LABEL, hold.model ?? UNKNOWN_LABEL];
    // Spend keys outlive their period a little, so a late settle still finds them.
    const [ok, bound, a, b] = await this.redis.agentnestLedgerReserve(...this.keys(base, day, month), ...this.leaseKeys(base), h.fixed, h.perToken, h.want, h.least, limit(budget.dailyUsd), limit(budget.monthlyUsd), 2 * DAY_MS, 32 * DAY_MS, holdId, this.leaseMs, day, month, ...labels, base, this.usageTtl);
    const tightest = bound === 1 ? 'day' : bound === 2 ? 'month' : undefined;
    // Refused: a and b are the spend (settled and held) and the held part of the tightest limit's period.
    if (!ok) throw refuseHold(tightest!, (tightest === 'day' ? budget.dailyUsd : budget.monthlyUsd)!, a, b, h);
    // Granted: a output tokens, b micro-USD held.
    return { holdId, tenant, day, month, estimateMicros: b, grantedOutputTokens: a, ...(tightest ? { limit: tightest } : {}) };
  }

  /** Day spend, month spend, day held, month held: one hash tag, so one script and one MULTI may touch them all. */
  private keys(base: string, day: string, month: string): [string, string, string, string] {
    return [`${base}:d:${day}`, `${base}:m:${month}`, `${base}:dh:${day}`, `${base}:mh:${month}`];
  }

  /** The tenant's leases (holdId -> hold) and their expiries, under the same tag as its spend. */
  private leaseKeys(base: string): [string, string] {
    return [`${base}:leases`, `${base}:lx`];
  }

  async settle(r: Reservation, charge?: LedgerCharge): Promise<void> {
    const base = this.base(r.tenant);
    // Checked against what this process held; a lease reconciled meanwhile makes the script ignore it.
    if (charge) charge = checkedCharge(charge, r.estimateMicros);
    const counters = charge ? Object.entries(chargeCounters(charge)).flatMap(([field, n]) => (n ? [field, n] : [])) : [];
    const line = charge ? `${charge.agent}\u0000${charge.model}` : '';
    await this.redis.agentnestLedgerSettle(...this.leaseKeys(base), r.holdId, base, this.usageTtl, charge ? toMicros(charge.costUsd) : -1, line, ...counters);
  }

  async renew(r: Reservation): Promise<boolean> {
    return (await this.redis.agentnestLedgerRenew(...this.leaseKeys(this.base(r.tenant)), r.holdId, this.leaseMs)) === 1;
  }

  async usage(tenant: string, range: { from: string; to: string }): Promise<UsageRow[]> {
    const base = this.base(tenant);
    // Expired leases first: a call whose process died shows as the unsettled call that used the budget.
    await this.redis.agentnestLedgerReconcile(...this.leaseKeys(base), base, this.usageTtl);
    const days = daysBetween(range.from, range.to);
    const pipeline = this.redis.pipeline();
    for (const day of days) pipeline.hgetall(`${base}:usage:${day}`);
    const replies = (await pipeline.exec()) ?? [];
    const rows: UsageRow[] = [];
    replies.forEach(([err, hash], i) => {
      if (err) throw err;
      const lines = new Map<string, Record<string, number>>();
      for (const [field, value] of Object.entries(hash as Record<string, string>)) {
        const [agent, model, counter] = field.split('\u0000');
        const line = lines.get(`${agent}\u0000${model}`) ?? {};
        line[counter] = Number(value);
        lines.set(`${agent}\u0000${model}`, line);
      }
      for (const [key, c] of lines) {
        const [agent, model] = key.split('\u0000');
        rows.push(usageRow(days[i], agent, model, c));
      }
    });
    return rows.sort((a, b) => a.day.localeCompare(b.day) || a.agent.localeCompare(b.agent) || a.model.localeCompare(b.model));
  }
}
