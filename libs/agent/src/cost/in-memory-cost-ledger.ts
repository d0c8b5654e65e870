import { budgetFor, hasLimits, chargeCounters, daysBetween, holdMicros, period, refuseHold, sizeHold, toMicros, usageRow, type CostLedger, type HoldRequest, type LedgerCharge, type Reservation, type TenantBudgets, type UsageRow } from './cost-ledger.js';

/** The ledger of one process (development, tests); RedisCostLedger shares it across instances. */
export class InMemoryCostLedger implements CostLedger {
  /** Micro-USD spent and held, per tenant and day or month. */
  private readonly spent = new Map<string, number>();
  /** The part of `spent` held for calls not settled yet, so a refusal can tell spent from held. */
  private readonly held = new Map<string, number>();
  private readonly counters = new Map<string, Map<string, Record<string, number>>>();

  readonly budgeted: boolean;

  constructor(private readonly budgets?: TenantBudgets) {
    this.budgeted = hasLimits(budgets);
  }

  /** Synchronous from reading the room to taking the hold, so concurrent calls of this process cannot both take the same room. */
  async reserve(tenant: string, hold: HoldRequest): Promise<Reservation> {
    const { day, month } = period();
    const h = holdMicros(hold);
    const budget = budgetFor(this.budgets, tenant);
    const keys = { day: `${tenant}\u0000d${day}`, month: `${tenant}\u0000m${month}` };
    const limits = { day: budget.dailyUsd, month: budget.monthlyUsd };
    // The limit with the least room left decides: what fits under it fits under the other.
    let limit: 'day' | 'month' | undefined;
    let room: number | undefined;
    for (const p of ['day', 'month'] as const) {
      const usd = limits[p];
      if (usd === undefined) continue;
      const left = toMicros(usd) - (this.spent.get(keys[p]) ?? 0);
      if (room === undefined || left < room) [limit, room] = [p, left];
    }
    const sized = sizeHold(h, room);
    // Only a limit refuses, so `limit` is set here.
    if (!sized) throw refuseHold(limit!, limits[limit!]!, this.spent.get(keys[limit!]) ?? 0, this.held.get(keys[limit!]) ?? 0, h);
    for (const key of [keys.day, keys.month]) {
      add(this.spent, key, sized.micros);
      add(this.held, key, sized.micros);
    }
    return { tenant, day, month, estimateMicros: sized.micros, grantedOutputTokens: sized.grantedOutputTokens, ...(limit ? { limit } : {}) };
  }

  async settle(r: Reservation, charge?: LedgerCharge): Promise<void> {
    const delta = (charge ? toMicros(charge.costUsd) : 0) - r.estimateMicros;
    for (const key of [`${r.tenant}\u0000d${r.day}`, `${r.tenant}\u0000m${r.month}`]) {
      add(this.spent, key, delta);
      add(this.held, key, -r.estimateMicros);
    }
    if (!charge) return;
    const days = this.counters.get(r.tenant) ?? new Map<string, Record<string, number>>();
    this.counters.set(r.tenant, days);
    const key = `${r.day}\u0000${charge.agent}\u0000${charge.model}`;
    const row = days.get(key) ?? {};
    for (const [field, n] of Object.entries(chargeCounters(charge))) row[field] = (row[field] ?? 0) + n;
    days.set(key, row);
  }

  async usage(tenant: string, range: { from: string; to: string }): Promise<UsageRow[]> {
    const wanted = new Set(daysBetween(range.from, range.to));
    return [...(this.counters.get(tenant) ?? new Map<string, Record<string, number>>())]
      .map(([key, c]) => [key.split('\u0000'), c] as const)
      .filter(([[day]]) => wanted.has(day))
      .map(([[day, agent, model], c]) => usageRow(day, agent, model, c))
      .sort((a, b) => a.day.localeCompare(b.day) || a.agent.localeCompare(b.agent) || a.model.localeCompare(b.model));
  }

}

function add(counters: Map<string, number>, key: string, micros: number): void {
  counters.set(key, (counters.get(key) ?? 0) + micros);
}
