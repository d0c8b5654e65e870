import { randomUUID } from 'node:crypto';
import { budgetFor, hasLimits, chargeCounters, checkedCharge, daysBetween, DEFAULT_LEASE_MS, holdMicros, period, refuseHold, sizeHold, toMicros, UNKNOWN_LABEL, usageRow, type CostLedger, type HoldRequest, type LedgerCharge, type Reservation, type TenantBudgets, type UsageRow } from './cost-ledger.js';

/** Options of an InMemoryCostLedger (one process; tests and single-instance deployments). */
export interface InMemoryCostLedgerOptions {
  /** How long a hold lives unrenewed; @default DEFAULT_LEASE_MS */
  leaseMs?: number;
  /** The clock leases expire by (ms); @default Date.now */
  now?: () => number;
}

/** A hold not settled yet, and what its usage line is if it expires. */
interface Lease {
  tenant: string;
  day: string;
  month: string;
  micros: number;
  agent: string;
  model: string;
  expiresAt: number;
}

/** The ledger of one process (development, tests); RedisCostLedger shares it across instances. */
export class InMemoryCostLedger implements CostLedger {
  /** Micro-USD spent and held, per tenant and day or month. */
  private readonly spent = new Map<string, number>();
  /** The part of `spent` held for calls not settled yet, so a refusal can tell spent from held. */
  private readonly held = new Map<string, number>();
  private readonly counters = new Map<string, Map<string, Record<string, number>>>();
  private readonly leases = new Map<string, Lease>();
  private readonly now: () => number;

  readonly budgeted: boolean;
  readonly leaseMs: number;

  constructor(
    private readonly budgets?: TenantBudgets,
    options: InMemoryCostLedgerOptions = {},
  ) {
    this.budgeted = hasLimits(budgets);
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Synchronous from reading the room to taking the hold, so concurrent calls of this process cannot both take the same room. */
  async reserve(tenant: string, hold: HoldRequest): Promise<Reservation> {
    this.reconcile(tenant);
    const { day, month } = period(new Date(this.now()));
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
    const holdId = randomUUID();
    this.leases.set(holdId, { tenant, day, month, micros: sized.micros, agent: hold.agent ?? UNKNOWN_LABEL, model: hold.model ?? UNKNOWN_LABEL, expiresAt: this.now() + this.leaseMs });
    return { holdId, tenant, day, month, estimateMicros: sized.micros, grantedOutputTokens: sized.grantedOutputTokens, ...(limit ? { limit } : {}) };
  }

  async settle(r: Reservation, charge?: LedgerCharge): Promise<void> {
    const lease = this.leases.get(r.holdId);
    // Settled before, or reconciled after it expired: its money is accounted for already.
    if (!lease) return;
    this.leases.delete(r.holdId);
    if (charge) charge = checkedCharge(charge, lease.micros);
    const delta = (charge ? toMicros(charge.costUsd) : 0) - lease.micros;
    for (const key of [`${r.tenant}\u0000d${lease.day}`, `${r.tenant}\u0000m${lease.month}`]) {
      add(this.spent, key, delta);
      add(this.held, key, -lease.micros);
    }
    if (charge) this.count(r.tenant, lease.day, charge.agent, charge.model, chargeCounters(charge));
  }

  async renew(r: Reservation): Promise<boolean> {
    const lease = this.leases.get(r.holdId);
    if (!lease || lease.expiresAt <= this.now()) return false;
    lease.expiresAt = this.now() + this.leaseMs;
    return true;
  }

  /** Charges the tenant's expired leases what they held: spend keeps the money, held lets go of it, usage shows an unsettled call. */
  private reconcile(tenant: string): void {
    const now = this.now();
    for (const [holdId, lease] of this.leases) {
      if (lease.tenant !== tenant || lease.expiresAt > now) continue;
      this.leases.delete(holdId);
      for (const key of [`${tenant}\u0000d${lease.day}`, `${tenant}\u0000m${lease.month}`]) add(this.held, key, -lease.micros);
      this.count(tenant, lease.day, lease.agent, lease.model, { calls: 1, costMicros: lease.micros, unsettled: 1 });
    }
  }

  private count(tenant: string, day: string, agent: string, model: string, counters: Record<string, number>): void {
    const days = this.counters.get(tenant) ?? new Map<string, Record<string, number>>();
    this.counters.set(tenant, days);
    const key = `${day}\u0000${agent}\u0000${model}`;
    const row = days.get(key) ?? {};
    for (const [field, n] of Object.entries(counters)) row[field] = (row[field] ?? 0) + n;
    days.set(key, row);
  }

  async usage(tenant: string, range: { from: string; to: string }): Promise<UsageRow[]> {
    this.reconcile(tenant);
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
