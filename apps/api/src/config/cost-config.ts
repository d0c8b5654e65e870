import type { PricingTable, TenantBudget, TenantBudgets } from '@agentnest/agent';
import { ConfigError } from './config.error.js';

type Env = Record<string, string | undefined>;

export interface CostConfig {
  pricingTable: PricingTable;
  /** Per-run limit for every agent (halt). */
  runBudgetUsd?: number;
  tenantBudgets?: TenantBudgets;
  /** How long a tenant hold lives unrenewed (TENANT_HOLD_LEASE_MS); the ledgers' default when absent. */
  holdLeaseMs?: number;
}

/** The mock model's made-up price, so the quick start shows costs; real models are priced through LLM_PRICING. */
const DEMO_PRICING: PricingTable = { 'demo-1': { input: 1, output: 2 } };

function usd(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(name, 'must be a positive number of USD');
  return n;
}

function parseJson(env: Env, name: string): unknown {
  try {
    return JSON.parse(env[name]!);
  } catch {
    throw new ConfigError(name, 'must be valid JSON');
  }
}

const isPrice = (v: unknown) => {
  const p = v as Record<string, unknown>;
  const ok = (x: unknown, required: boolean) => (x === undefined ? !required : typeof x === 'number' && Number.isFinite(x) && x >= 0);
  return !!p && typeof p === 'object' && ok(p.input, true) && ok(p.output, true) && ok(p.cacheRead, false) && ok(p.cacheWrite, false);
};

function budget(v: unknown): TenantBudget | undefined {
  const b = v as Record<string, unknown>;
  if (!b || typeof b !== 'object') return undefined;
  const ok = (x: unknown) => x === undefined || (typeof x === 'number' && x > 0);
  return ok(b.dailyUsd) && ok(b.monthlyUsd) ? { dailyUsd: b.dailyUsd as number | undefined, monthlyUsd: b.monthlyUsd as number | undefined } : undefined;
}

/** Prices (LLM_PRICING), the per-run budget and tenant budgets; budgets need a price for every model the agents use. */
export function loadCostConfig(env: Env, models: string[]): CostConfig {
  const pricingTable: PricingTable = { ...DEMO_PRICING };
  if (env.LLM_PRICING) {
    const parsed = parseJson(env, 'LLM_PRICING') as Record<string, unknown>;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every(isPrice)) {
      throw new ConfigError('LLM_PRICING', 'must map model ids to {input, output, cacheRead?, cacheWrite?} in USD per million tokens');
    }
    Object.assign(pricingTable, parsed);
  }
  const runBudgetUsd = usd(env, 'RUN_BUDGET_USD');
  const daily = usd(env, 'TENANT_BUDGET_DAILY_USD');
  const monthly = usd(env, 'TENANT_BUDGET_MONTHLY_USD');
  let tenantBudgets: TenantBudgets | undefined = daily !== undefined || monthly !== undefined ? { default: { dailyUsd: daily, monthlyUsd: monthly } } : undefined;
  if (env.TENANT_BUDGETS) {
    const parsed = parseJson(env, 'TENANT_BUDGETS') as Record<string, unknown>;
    const tenants: Record<string, TenantBudget> = {};
    for (const [tenant, v] of Object.entries(parsed && typeof parsed === 'object' ? parsed : {})) {
      const b = budget(v);
      if (!b) throw new ConfigError('TENANT_BUDGETS', 'must map tenants to {dailyUsd?, monthlyUsd?} with positive USD');
      tenants[tenant] = b;
    }
    tenantBudgets = { ...tenantBudgets, tenants };
  }
  if (runBudgetUsd !== undefined || tenantBudgets) {
    const unpriced = models.find((m) => !pricingTable[m]);
    if (unpriced) throw new ConfigError('LLM_PRICING', `needs a price for model "${unpriced}" when budgets are set`);
  }
  const lease = env.TENANT_HOLD_LEASE_MS;
  const holdLeaseMs = lease === undefined || lease === '' ? undefined : Number(lease);
  if (holdLeaseMs !== undefined && !(Number.isInteger(holdLeaseMs) && holdLeaseMs >= 100)) throw new ConfigError('TENANT_HOLD_LEASE_MS', 'must be a whole number of milliseconds, at least 100');
  return { pricingTable, runBudgetUsd, tenantBudgets, ...(holdLeaseMs !== undefined ? { holdLeaseMs } : {}) };
}
