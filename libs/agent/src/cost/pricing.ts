import { noCacheTokens, toUsage, type Usage } from '@agentnest/providers';

/** USD per million tokens for one model. */
export interface ModelPrice {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
  /** USD per million input tokens read from the vendor's prompt cache. */
  cacheRead?: number;
  /** USD per million input tokens written to the vendor's prompt cache. */
  cacheWrite?: number;
}

/** Prices by model id. */
export type PricingTable = Record<string, ModelPrice>;

/** Cost in USD of one call's usage; 0 when the model has no price (unpriced models are not guessed). */
export function costOf(usage: Usage, price: ModelPrice | undefined): number {
  if (!price) return 0;
  const cache = usage.inputTokenDetails;
  const perToken = noCacheTokens(usage) * price.input + usage.outputTokens * price.output + (cache?.cacheReadTokens ?? 0) * (price.cacheRead ?? 0) + (cache?.cacheWriteTokens ?? 0) * (price.cacheWrite ?? 0);
  return perToken / 1_000_000;
}

/** Combines two usages count by count with `fn` (cache counts that come out 0 are left out, as adapters do). */
function combine(a: Usage, b: Usage, fn: (x: number, y: number) => number): Usage {
  const x = a.inputTokenDetails;
  const y = b.inputTokenDetails;
  return toUsage({
    inputTokens: fn(a.inputTokens, b.inputTokens),
    outputTokens: fn(a.outputTokens, b.outputTokens),
    cacheReadTokens: fn(x?.cacheReadTokens ?? 0, y?.cacheReadTokens ?? 0),
    cacheWriteTokens: fn(x?.cacheWriteTokens ?? 0, y?.cacheWriteTokens ?? 0),
    reasoningTokens: fn(a.outputTokenDetails?.reasoningTokens ?? 0, b.outputTokenDetails?.reasoningTokens ?? 0),
  });
}

/** No tokens yet: where a run's usage starts. */
export const noUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

export function addUsage(total: Usage, more: Usage): Usage {
  return combine(total, more, (x, y) => x + y);
}

/** What a run used after `before`: its usage now minus its usage then (a resumed sub-run's new usage). */
export function usageSince(after: Usage, before: Usage): Usage {
  return combine(after, before, (x, y) => x - y);
}

/**
 * The price a call is held at: the dearest, field by field, of the request's model's and of every
 * model the provider may answer with instead (a fallback's), so a reply from a dearer fallback
 * still fits its hold. Undefined when none of them has a price.
 */
export function holdPrice(price: ModelPrice | undefined, models: readonly string[] | undefined, table: PricingTable | undefined): ModelPrice | undefined {
  const prices = [price, ...(models ?? []).map((m) => table?.[m])].filter((p): p is ModelPrice => p !== undefined);
  if (prices.length <= 1) return prices[0];
  const most = (field: keyof ModelPrice) => Math.max(...prices.map((p) => p[field] ?? 0));
  // A cache price only where some model has one: without it, cached tokens are priced as input.
  const cache = (field: 'cacheRead' | 'cacheWrite') => (prices.some((p) => p[field] !== undefined) ? { [field]: Math.max(...prices.map((p) => p[field] ?? p.input)) } : {});
  return { input: most('input'), output: most('output'), ...cache('cacheRead'), ...cache('cacheWrite') };
}
