import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { BudgetExhaustedError, budgetFor, hasLimits, chargeCounters, daysBetween, period, toMicros, usageRow, type CostLedger, type LedgerCharge, type Reservation, type TenantBudgets, type UsageRow } from './cost-ledger.js';

export interface RedisCostLedgerOptions {
  redis: Redis | Cluster;
  budgets?: TenantBudgets;
  /** @default 'agentnest:' */
  prefix?: string;
  /** How long daily usage lines are kept; @default 400 days */
  usageRetentionDays?: number;
}

// KEYS: day spent, month spent. ARGV: estimate, day limit, month limit (-1 = none), day ttl, month ttl (ms).
// Checks both limits and takes the estimate from both in one step, so instances never race past a limit.
const RESERVE = `local e = tonumber(ARGV[1])
local d = tonumber(redis.call('GET', KEYS[1]) or '0')
local m = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) >= 0 and d + e > tonumber(ARGV[2]) then return 'day' end
if tonumber(ARGV[3]) >= 0 and m + e > tonumber(ARGV[3]) then return 'month' end
redis.call('INCRBY', KEYS[1], e)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('INCRBY', KEYS[2], e)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 'ok'`;

type Scripted = (Redis | Cluster) & { agentnestLedgerReserve(dayKey: string, monthKey: string, ...args: Array<string | number>): Promise<string> };
const DAY_MS = 86_400_000;

/** The tenant ledger in Redis: spend in integer micro-USD per tenant and UTC day/month, usage per day in a hash. */
export class RedisCostLedger implements CostLedger {
  private readonly redis: Scripted;
  private readonly prefix: string;

  readonly budgeted: boolean;

  constructor(private readonly options: RedisCostLedgerOptions) {
    this.budgeted = hasLimits(options.budgets);
    this.redis = options.redis as Scripted;
    if (!this.redis.agentnestLedgerReserve) this.redis.defineCommand('agentnestLedgerReserve', { numberOfKeys: 2, lua: RESERVE });
    this.prefix = options.prefix ?? 'agentnest:';
  }

  /** One hash-tagged space per tenant: its keys share a cluster slot, so the reserve script may touch them together. */
  private base(tenant: string): string {
    return `${this.prefix}ledger:{${createHash('sha256').update(tenant).digest('base64url').slice(0, 22)}}`;
  }

  async reserve(tenant: string, estimateUsd: number): Promise<Reservation> {
    const { day, month } = period();
    const estimateMicros = toMicros(estimateUsd, true);
    const budget = budgetFor(this.options.budgets, tenant);
    const limit = (usd: number | undefined) => (usd === undefined ? -1 : toMicros(usd));
    const base = this.base(tenant);
    // Spend keys outlive their period a little, so a late settle still finds them.
    const verdict = await this.redis.agentnestLedgerReserve(`${base}:d:${day}`, `${base}:m:${month}`, estimateMicros, limit(budget.dailyUsd), limit(budget.monthlyUsd), 2 * DAY_MS, 32 * DAY_MS);
    if (verdict === 'day' || verdict === 'month') throw new BudgetExhaustedError(verdict);
    return { tenant, day, month, estimateMicros };
  }

  async settle(r: Reservation, charge?: LedgerCharge): Promise<void> {
    const base = this.base(r.tenant);
    const delta = (charge ? toMicros(charge.costUsd) : 0) - r.estimateMicros;
    const tx = this.redis.multi().incrby(`${base}:d:${r.day}`, delta).incrby(`${base}:m:${r.month}`, delta);
    if (charge) {
      const key = `${base}:usage:${r.day}`;
      for (const [field, n] of Object.entries(chargeCounters(charge))) if (n) tx.hincrby(key, `${charge.agent}\u0000${charge.model}\u0000${field}`, n);
      tx.pexpire(key, (this.options.usageRetentionDays ?? 400) * DAY_MS);
    }
    // A MULTI answers each command's error in its replies instead of rejecting: a hold left unsettled would shrink the budget for good.
    const failed = (await tx.exec())?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async usage(tenant: string, range: { from: string; to: string }): Promise<UsageRow[]> {
    const base = this.base(tenant);
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
