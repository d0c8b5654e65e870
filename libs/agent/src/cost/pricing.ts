import type { Usage } from '@agentnest/providers';

/** USD per million tokens for one model. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** Prices by model id. */
export type PricingTable = Record<string, ModelPrice>;

/** Cost in USD of one call's usage; 0 when the model has no price (unpriced models are not guessed). */
export function costOf(usage: Usage, price: ModelPrice | undefined): number {
  if (!price) return 0;
  const perToken =
    usage.input * price.input + usage.output * price.output + (usage.cacheRead ?? 0) * (price.cacheRead ?? 0) + (usage.cacheWrite ?? 0) * (price.cacheWrite ?? 0);
  return perToken / 1_000_000;
}

export function addUsage(total: Usage, more: Usage): Usage {
  const sum: Usage = { input: total.input + more.input, output: total.output + more.output };
  if (total.cacheRead !== undefined || more.cacheRead !== undefined) sum.cacheRead = (total.cacheRead ?? 0) + (more.cacheRead ?? 0);
  if (total.cacheWrite !== undefined || more.cacheWrite !== undefined) sum.cacheWrite = (total.cacheWrite ?? 0) + (more.cacheWrite ?? 0);
  return sum;
}

/** What a run used after `before`: its usage now minus its usage then (a resumed sub-run's new usage). */
export function usageSince(after: Usage, before: Usage): Usage {
  const used: Usage = { input: after.input - before.input, output: after.output - before.output };
  if (after.cacheRead !== undefined) used.cacheRead = after.cacheRead - (before.cacheRead ?? 0);
  if (after.cacheWrite !== undefined) used.cacheWrite = after.cacheWrite - (before.cacheWrite ?? 0);
  return used;
}
