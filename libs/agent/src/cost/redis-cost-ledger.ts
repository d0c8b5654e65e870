import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { budgetFor, hasLimits, chargeCounters, daysBetween, holdMicros, period, refuseHold, toMicros, usageRow, type CostLedger, type HoldRequest, type LedgerCharge, type Reservation, type TenantBudgets, type UsageRow } from './cost-ledger.js';

export interface RedisCostLedgerOptions {
  redis: Redis | Cluster;
  budgets?: TenantBudgets;
  /** @default 'agentnest:' */
  prefix?: string;
  /** How long daily usage lines are kept; @default 400 days */
  usageRetentionDays?: number;
}

// KEYS: day and month spend (settled and held), day and month held. ARGV: fixed micro-USD, micro-USD per
// output token, output tokens wanted, fewest worth sending, day and month limits (-1 = none), day and month ttl (ms).
// Sizes the hold like sizeHold() against the tighter limit and takes it from both periods in one step, so
// instances never race past a limit. Answers {1, limit, granted tokens, held micro-USD}, or {0, limit, spend,
// held} of the limit that refused (limit: 1 day, 2 month, 0 none).
const RESERVE = `local fixed, per, want, least = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local room, bound = nil, 0
for i = 1, 2 do
  local limit = tonumber(ARGV[4 + i])
  if limit >= 0 then
    local left = limit - tonumber(redis.call('GET', KEYS[i]) or '0')
    if room == nil or left < room then room, bound = left, i end
  end
end
local function cost(n) return fixed + math.ceil(n * per) end
local granted = want
if room ~= nil then
  if per > 0 then granted = math.min(want, math.floor((room - fixed) / per)) end
  if granted > 0 and cost(granted) > room then granted = granted - 1 end
  if granted < least or cost(granted) > room then
    return {0, bound, tonumber(redis.call('GET', KEYS[bound]) or '0'), tonumber(redis.call('GET', KEYS[bound + 2]) or '0')}
  end
end
local held = string.format('%d', cost(granted))
for i = 1, 2 do
  redis.call('INCRBY', KEYS[i], held)
  redis.call('PEXPIRE', KEYS[i], ARGV[6 + i])
  redis.call('INCRBY', KEYS[i + 2], held)
  redis.call('PEXPIRE', KEYS[i + 2], ARGV[6 + i])
end
return {1, bound, granted, tonumber(held)}`;

type Scripted = (Redis | Cluster) & { agentnestLedgerHold(...keysAndArgs: Array<string | number>): Promise<[number, number, number, number]> };
const DAY_MS = 86_400_000;

/** The tenant ledger in Redis: spend in integer micro-USD per tenant and UTC day/month, usage per day in a hash. */
export class RedisCostLedger implements CostLedger {
  private readonly redis: Scripted;
  private readonly prefix: string;

  readonly budgeted: boolean;

  constructor(private readonly options: RedisCostLedgerOptions) {
    this.budgeted = hasLimits(options.budgets);
    this.redis = options.redis as Scripted;
    // Defined once per client: several ledgers may share one.
    if (!this.redis.agentnestLedgerHold) this.redis.defineCommand('agentnestLedgerHold', { numberOfKeys: 4, lua: RESERVE });
    this.prefix = options.prefix ?? 'agentnest:';
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
    // Spend keys outlive their period a little, so a late settle still finds them.
    const [ok, bound, a, b] = await this.redis.agentnestLedgerHold(...this.keys(base, day, month), h.fixed, h.perToken, h.want, h.least, limit(budget.dailyUsd), limit(budget.monthlyUsd), 2 * DAY_MS, 32 * DAY_MS);
    const tightest = bound === 1 ? 'day' : bound === 2 ? 'month' : undefined;
    // Refused: a and b are the spend (settled and held) and the held part of the tightest limit's period.
    if (!ok) throw refuseHold(tightest!, (tightest === 'day' ? budget.dailyUsd : budget.monthlyUsd)!, a, b, h);
    // Granted: a output tokens, b micro-USD held.
    return { tenant, day, month, estimateMicros: b, grantedOutputTokens: a, ...(tightest ? { limit: tightest } : {}) };
  }

  /** Day spend, month spend, day held, month held: one hash tag, so one script and one MULTI may touch them all. */
  private keys(base: string, day: string, month: string): [string, string, string, string] {
    return [`${base}:d:${day}`, `${base}:m:${month}`, `${base}:dh:${day}`, `${base}:mh:${month}`];
  }

  async settle(r: Reservation, charge?: LedgerCharge): Promise<void> {
    const base = this.base(r.tenant);
    const delta = (charge ? toMicros(charge.costUsd) : 0) - r.estimateMicros;
    const [daySpend, monthSpend, dayHeld, monthHeld] = this.keys(base, r.day, r.month);
    const tx = this.redis.multi().incrby(daySpend, delta).incrby(monthSpend, delta).incrby(dayHeld, -r.estimateMicros).incrby(monthHeld, -r.estimateMicros);
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
