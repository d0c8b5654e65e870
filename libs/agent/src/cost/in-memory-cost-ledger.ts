import { BudgetExhaustedError, budgetFor, hasLimits, chargeCounters, daysBetween, period, toMicros, usageRow, type CostLedger, type LedgerCharge, type Reservation, type TenantBudgets, type UsageRow } from './cost-ledger.js';

/** The ledger of one process (development, tests); RedisCostLedger shares it across instances. */
export class InMemoryCostLedger implements CostLedger {
  private readonly spent = new Map<string, number>();
  private readonly counters = new Map<string, Map<string, Record<string, number>>>();

  readonly budgeted: boolean;

  constructor(private readonly budgets?: TenantBudgets) {
    this.budgeted = hasLimits(budgets);
  }

  async reserve(tenant: string, estimateUsd: number): Promise<Reservation> {
    const { day, month } = period();
    const estimateMicros = toMicros(estimateUsd, true);
    const budget = budgetFor(this.budgets, tenant);
    const dayKey = `${tenant}\u0000d${day}`;
    const monthKey = `${tenant}\u0000m${month}`;
    if (budget.dailyUsd !== undefined && (this.spent.get(dayKey) ?? 0) + estimateMicros > toMicros(budget.dailyUsd)) throw new BudgetExhaustedError('day');
    if (budget.monthlyUsd !== undefined && (this.spent.get(monthKey) ?? 0) + estimateMicros > toMicros(budget.monthlyUsd)) throw new BudgetExhaustedError('month');
    this.add(dayKey, estimateMicros);
    this.add(monthKey, estimateMicros);
    return { tenant, day, month, estimateMicros };
  }

  async settle(r: Reservation, charge?: LedgerCharge): Promise<void> {
    const delta = (charge ? toMicros(charge.costUsd) : 0) - r.estimateMicros;
    this.add(`${r.tenant}\u0000d${r.day}`, delta);
    this.add(`${r.tenant}\u0000m${r.month}`, delta);
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

  private add(key: string, micros: number): void {
    this.spent.set(key, (this.spent.get(key) ?? 0) + micros);
  }
}
