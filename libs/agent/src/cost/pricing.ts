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
