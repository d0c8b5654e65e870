import { noCacheTokens, type Usage } from '@agentnest/providers';
import { AgentError } from '../agent.errors.js';

/** A tenant's spending limits in USD; an absent limit is unlimited. Days and months are UTC. */
export interface TenantBudget {
  dailyUsd?: number;
  monthlyUsd?: number;
}

/** Budgets for every tenant, with per-tenant overrides. */
export interface TenantBudgets {
  default?: TenantBudget;
  tenants?: Record<string, TenantBudget>;
}

/** Money held for one model call until it settles. */
export interface Reservation {
  tenant: string;
  day: string;
  month: string;
  estimateMicros: number;
}

/** What one model call actually cost, recorded against the tenant's usage. */
export interface LedgerCharge {
  agent: string;
  model: string;
  usage: Usage;
  costUsd: number;
}

/** One line of a tenant's usage report. */
export interface UsageRow {
  day: string;
  agent: string;
  model: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

/**
 * Per-tenant spend, shared by every instance: a model call first reserves its estimated cost (refused
 * when it would pass the tenant's daily or monthly limit), then settles with the actual cost.
 */
export interface CostLedger {
  /** True when some tenant has a limit: every agent then needs a price for its model. */
  readonly budgeted: boolean;
  /** Holds `estimateUsd` of the tenant's budget; throws BudgetExhaustedError when it does not fit. */
  reserve(tenant: string, estimateUsd: number): Promise<Reservation>;
  /** Replaces the hold with the actual cost and records usage; without a charge (the call failed) the hold is released. */
  settle(reservation: Reservation, charge?: LedgerCharge): Promise<void>;
  /** The tenant's usage by day, agent and model, for days `from`..`to` (YYYY-MM-DD, inclusive). */
  usage(tenant: string, range: { from: string; to: string }): Promise<UsageRow[]>;
}

/** The tenant's daily or monthly budget cannot cover the next model call. */
export class BudgetExhaustedError extends AgentError {
  constructor(readonly period: 'day' | 'month') {
    super('budget_exhausted', `the tenant's ${period === 'day' ? 'daily' : 'monthly'} budget is spent`);
  }
}

/** USD as whole micro-dollars, so concurrent sums never drift; estimates round up, charges to nearest. */
export const toMicros = (usd: number, roundUp = false) => (roundUp ? Math.ceil(usd * 1e6) : Math.round(usd * 1e6));

export function hasLimits(budgets: TenantBudgets | undefined): boolean {
  return [budgets?.default, ...Object.values(budgets?.tenants ?? {})].some((b) => b?.dailyUsd !== undefined || b?.monthlyUsd !== undefined);
}

export function budgetFor(budgets: TenantBudgets | undefined, tenant: string): TenantBudget {
  return budgets?.tenants?.[tenant] ?? budgets?.default ?? {};
}

/** The UTC day last asked about, and its period. */
let today: { from: number; value: { day: string; month: string } } | undefined;

/** UTC day and month of `now`. */
export function period(now = new Date()): { day: string; month: string } {
  const t = now.getTime();
  // Every model call asks: the answer is the same all day.
  if (today && t >= today.from && t < today.from + 86_400_000) return today.value;
  const day = now.toISOString().slice(0, 10);
  today = { from: Date.parse(`${day}T00:00:00Z`), value: { day, month: day.slice(0, 7) } };
  return today.value;
}

/** Every day from `from` to `to` inclusive (at most 366). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && days.length < 366; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** Usage counters as stored per field, shared by the ledgers; the short names and meanings (`input`: uncached prompt tokens) are kept so stored days still read. */
export const USAGE_FIELDS = ['calls', 'input', 'output', 'cacheRead', 'cacheWrite', 'costMicros'] as const;

export function chargeCounters(charge: LedgerCharge): Record<(typeof USAGE_FIELDS)[number], number> {
  const { outputTokens, inputTokenDetails: cache } = charge.usage;
  return { calls: 1, input: noCacheTokens(charge.usage), output: outputTokens, cacheRead: cache?.cacheReadTokens ?? 0, cacheWrite: cache?.cacheWriteTokens ?? 0, costMicros: toMicros(charge.costUsd) };
}

export function usageRow(day: string, agent: string, model: string, c: Record<string, number>): UsageRow {
  return { day, agent, model, calls: c.calls ?? 0, inputTokens: (c.input ?? 0) + (c.cacheRead ?? 0) + (c.cacheWrite ?? 0), outputTokens: c.output ?? 0, cacheReadTokens: c.cacheRead ?? 0, cacheWriteTokens: c.cacheWrite ?? 0, costUsd: (c.costMicros ?? 0) / 1e6 };
}
