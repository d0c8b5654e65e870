import { noCacheTokens, toUsage, type Usage } from '@agentnest/providers';
import { AgentError } from '../errors/agent.errors.js';

/** A tenant's spending limits in USD; an absent limit is unlimited. Days and months are UTC. */
export interface TenantBudget {
  /** Most a tenant may spend in a UTC day; unset, no daily limit. */
  dailyUsd?: number;
  /** Most a tenant may spend in a UTC calendar month; unset, no monthly limit. */
  monthlyUsd?: number;
}

/** Budgets for every tenant, with per-tenant overrides. */
export interface TenantBudgets {
  /** The budget of every tenant not listed in `tenants`. */
  default?: TenantBudget;
  /** Budgets by tenant id, in place of `default`. */
  tenants?: Record<string, TenantBudget>;
}

/**
 * What a model call asks the ledger to hold. Its input is known before the call (a fixed cost); its
 * output is not, so the hold pays for a number of output tokens and the call is then sent with no more
 * room than that (maxTokens), which is what keeps the hold honest.
 */
export interface HoldRequest {
  /** The input's estimated cost: fixed once the request is built. */
  fixedUsd: number;
  /** The price of one output token. */
  perOutputTokenUsd: number;
  /** The output tokens the call would like: its maxTokens, or DEFAULT_OUTPUT_ESTIMATE without one. */
  wantOutputTokens: number;
  /** Who the call is for, so a hold reconciled without a settle (its process died) still shows on the right usage line. */
  agent?: string;
  /** The model called, for the same usage line. */
  model?: string;
}

/**
 * Money held for one model call until it settles: a lease. It expires `leaseMs` after it was taken or
 * last renewed; an expired lease is charged what it held (the vendor may have billed the call) and
 * counted in usage as an unsettled call, so a process killed mid-call neither frees that money nor
 * keeps it held for the rest of the day.
 */
export interface Reservation {
  /** Names the lease: settling or renewing it a second time, or after it was reconciled, does nothing. */
  holdId: string;
  /** The tenant it is held for. */
  tenant: string;
  /** The UTC day it counts against, `YYYY-MM-DD`. */
  day: string;
  /** The UTC month it counts against, `YYYY-MM`. */
  month: string;
  /** Micro-USD held: the fixed part and the granted output tokens at their price. */
  estimateMicros: number;
  /** Output tokens the hold pays for: all that were wanted, or fewer when the budget left is tight. */
  grantedOutputTokens: number;
  /**
   * The tenant's limit with the least room left, which sized the grant. When set, the call must be
   * sent with maxTokens = grantedOutputTokens; absent when the tenant has no limit (the call goes as asked).
   */
  limit?: 'day' | 'month';
}

/** What one model call actually cost, recorded against the tenant's usage. */
export interface LedgerCharge {
  /** The agent that made the call (its usage line). */
  agent: string;
  /** The model called (its usage line). */
  model: string;
  /** Tokens the call used. */
  usage: Usage;
  /** What they cost, from the pricing table. */
  costUsd: number;
  /** Set when the call failed and the vendor's own count is unknown: the charge is our estimate of what it billed. */
  estimated?: boolean;
}

/** One line of a tenant's usage report. */
export interface UsageRow {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  /** The agent whose calls the line counts. */
  agent: string;
  /** The model they called. */
  model: string;
  /** Model calls charged. */
  calls: number;
  /** Input tokens of those calls (cached ones included). */
  inputTokens: number;
  /** Output tokens of those calls. */
  outputTokens: number;
  /** Input tokens read from the vendor's prompt cache. */
  cacheReadTokens: number;
  /** Input tokens written to the vendor's prompt cache. */
  cacheWriteTokens: number;
  /** What the calls cost. */
  costUsd: number;
  /** Of `calls`, those whose process never settled them: each charged what it held when its lease expired. */
  unsettledCalls: number;
  /** Of `calls`, those that failed after the vendor started billing, charged what was estimated (input and the output seen). */
  estimatedCalls: number;
}

/**
 * Per-tenant spend, shared by every instance: a model call first reserves what it may cost (its input,
 * and as many output tokens as the tenant's daily and monthly limits leave room for), is sent capped at
 * that many output tokens, then settles with the actual cost.
 */
export interface CostLedger {
  /** True when some tenant has a limit: every agent then needs a price for its model. */
  readonly budgeted: boolean;
  /**
   * Holds the fixed cost and as many of the wanted output tokens as the room left allows (see sizeHold),
   * checking and taking in one atomic step; throws BudgetExhaustedError when not even the fixed cost and
   * MIN_OUTPUT_TOKENS fit.
   */
  reserve(tenant: string, hold: HoldRequest): Promise<Reservation>;
  /**
   * Replaces the hold with the actual cost and records usage; without a charge (the call failed) the hold
   * is released. Once per holdId: a lease already settled or reconciled is left as it is (no double charge).
   */
  settle(reservation: Reservation, charge?: LedgerCharge): Promise<void>;
  /**
   * The tenant's usage by day, agent and model, for days `from`..`to` (YYYY-MM-DD, inclusive). Expired
   * leases of the tenant are reconciled first, as they are by reserve, so usage explains the spend.
   */
  usage(tenant: string, range: { from: string; to: string }): Promise<UsageRow[]>;
  /** How long a lease lives unrenewed (ms); a call in flight renews its lease every third of it. Absent: leases never expire. */
  readonly leaseMs?: number;
  /** Extends the lease by leaseMs from now; false when it is gone (settled, or reconciled after it expired). */
  renew?(reservation: Reservation): Promise<boolean>;
}

/** Where the tenant's budget stood when a call was refused (USD). */
export interface BudgetStanding {
  /** The period's limit. */
  limitUsd: number;
  /** Settled spend of the period. */
  spentUsd: number;
  /** Held for calls not settled yet. */
  heldUsd: number;
  /** The least the refused call needed: its input and MIN_OUTPUT_TOKENS of output. */
  neededUsd: number;
}

/** The tenant's daily or monthly budget cannot cover the next model call. */
export class BudgetExhaustedError extends AgentError {
  constructor(
    /** Which limit refused the call. */
    readonly period: 'day' | 'month',
    /** The period's limit, spend and holds when refused (for the refusal message and events). */
    readonly standing?: BudgetStanding,
  ) {
    super('budget_exhausted', refusal(period, standing));
  }
}

/**
 * Says "spent" only when settled spend reached the limit; otherwise the call is bigger than what is
 * left, and the message says how much is spent and held so a tenant at $0 of usage is not told
 * its budget is gone.
 */
function refusal(period: 'day' | 'month', s: BudgetStanding | undefined): string {
  const budget = `the tenant's ${period === 'day' ? 'daily' : 'monthly'} budget`;
  if (!s) return `${budget} cannot cover this model call`;
  if (s.spentUsd >= s.limitUsd) return `${budget} of ${formatUsd(s.limitUsd)} is spent`;
  const used = [s.spentUsd > 0 ? `${formatUsd(s.spentUsd)} of it is spent` : '', s.heldUsd > 0 ? `${formatUsd(s.heldUsd)} is held for calls in progress` : ''].filter(Boolean).join(' and ');
  return `this model call would exceed ${budget} of ${formatUsd(s.limitUsd)}: it needs at least ${formatUsd(s.neededUsd)}, and ${used || 'none of it is used yet'}`;
}

/** USD for people: cents from a dollar up, else 4 significant digits, at least 2 decimals ($0.40, $0.0213), never float noise. */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return `$${usd}`;
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  const [whole, decimals = ''] = Number(usd.toPrecision(4)).toFixed(12).replace(/0+$/, '').split('.');
  return `$${whole}.${decimals.padEnd(2, '0')}`;
}

/**
 * Fewest output tokens worth sending a call for: below this a reply cannot hold a sentence or one tool
 * call with its arguments, so the call would spend its input cost on a cut-off answer. A call that
 * wants fewer needs only what it wants.
 */
export const MIN_OUTPUT_TOKENS = 64;

/** A hold in the ledgers' units: whole micro-USD for the fixed part, fractional micro-USD per output token. */
export interface HoldMicros {
  /** The input's cost, whole micro-USD rounded up. */
  fixed: number;
  /** Micro-USD per output token. */
  perToken: number;
  /** Output tokens wanted. */
  want: number;
  /** The fewest output tokens worth sending the call for (MIN_OUTPUT_TOKENS, or `want` when smaller). */
  least: number;
}

/** Converts a hold request from USD into the ledgers' micro-USD units, for sizeHold; a ledger of your own calls it before its atomic step. */
export function holdMicros(hold: HoldRequest): HoldMicros {
  const want = Number.isFinite(hold.wantOutputTokens) ? Math.max(1, Math.floor(hold.wantOutputTokens)) : 1;
  // Rounded to a billionth of a micro-dollar: $15/M is 15, not 15.000000000000002, so grants are not a token short.
  const perToken = Math.max(0, Math.round((hold.perOutputTokenUsd || 0) * 1e15) / 1e9);
  return { fixed: Math.max(0, toMicros(hold.fixedUsd || 0, true)), perToken, want, least: Math.min(MIN_OUTPUT_TOKENS, want) };
}

/**
 * Sizes a hold against `room` micro-USD left (undefined: no limit): every wanted output token if they
 * fit, else as many as do; undefined when not even the fixed part and `least` tokens fit. The Redis
 * ledger's script does the same arithmetic; a ledger of your own can call this inside its atomic step.
 */
export function sizeHold(h: HoldMicros, room: number | undefined): { grantedOutputTokens: number; micros: number } | undefined {
  const cost = (tokens: number) => h.fixed + Math.ceil(tokens * h.perToken);
  if (room === undefined) return { grantedOutputTokens: h.want, micros: cost(h.want) };
  let granted = h.perToken > 0 ? Math.min(h.want, Math.floor((room - h.fixed) / h.perToken)) : h.want;
  // The division may round up to a whole token that does not quite fit.
  if (granted > 0 && cost(granted) > room) granted--;
  if (granted < h.least || cost(granted) > room) return undefined;
  return { grantedOutputTokens: granted, micros: cost(granted) };
}

/** The refusal of hold `h` under the period's `limitUsd`, where `used` micro-USD are spent or held and `held` of them held. */
export function refuseHold(period: 'day' | 'month', limitUsd: number, used: number, held: number, h: HoldMicros): BudgetExhaustedError {
  return new BudgetExhaustedError(period, { limitUsd, spentUsd: (used - held) / 1e6, heldUsd: held / 1e6, neededUsd: (h.fixed + Math.ceil(h.least * h.perToken)) / 1e6 });
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
export const USAGE_FIELDS = ['calls', 'input', 'output', 'cacheRead', 'cacheWrite', 'costMicros', 'unsettled', 'estimated'] as const;

/**
 * The charge a ledger settles: the cost a finite, non-negative amount, else what the call held (one
 * NaN from a provider of one's own once made every later hold of the tenant free: NaN compared false
 * with every limit), and the token counts through toUsage (whole, finite, non-negative). Both ledgers
 * settle through it.
 */
export function checkedCharge(charge: LedgerCharge, heldMicros: number): LedgerCharge {
  const trusted = typeof charge.costUsd === 'number' && Number.isFinite(charge.costUsd) && charge.costUsd >= 0;
  const u = charge.usage ?? ({} as Partial<Usage>);
  const usage = toUsage({ inputTokens: u.inputTokens as number, outputTokens: u.outputTokens as number, cacheReadTokens: u.inputTokenDetails?.cacheReadTokens, cacheWriteTokens: u.inputTokenDetails?.cacheWriteTokens });
  return { ...charge, usage, costUsd: trusted ? charge.costUsd : heldMicros / 1e6, ...(trusted ? {} : { estimated: true }) };
}

export function chargeCounters(charge: LedgerCharge): Record<(typeof USAGE_FIELDS)[number], number> {
  const { outputTokens, inputTokenDetails: cache } = charge.usage;
  return { calls: 1, input: noCacheTokens(charge.usage), output: outputTokens, cacheRead: cache?.cacheReadTokens ?? 0, cacheWrite: cache?.cacheWriteTokens ?? 0, costMicros: toMicros(charge.costUsd), unsettled: 0, estimated: charge.estimated ? 1 : 0 };
}

/** @default 60 s: a call in flight renews its lease every 20 s, so a killed process's hold is charged and freed within a minute. */
export const DEFAULT_LEASE_MS = 60_000;

/** The usage line of a lease reconciled without its call's labels. */
export const UNKNOWN_LABEL = '(unknown)';

export function usageRow(day: string, agent: string, model: string, c: Record<string, number>): UsageRow {
  return { day, agent, model, calls: c.calls ?? 0, inputTokens: (c.input ?? 0) + (c.cacheRead ?? 0) + (c.cacheWrite ?? 0), outputTokens: c.output ?? 0, cacheReadTokens: c.cacheRead ?? 0, cacheWriteTokens: c.cacheWrite ?? 0, costUsd: (c.costMicros ?? 0) / 1e6, unsettledCalls: c.unsettled ?? 0, estimatedCalls: c.estimated ?? 0 };
}
