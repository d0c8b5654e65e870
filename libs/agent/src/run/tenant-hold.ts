import { toUsage, type LLMRequest, type LLMResponse, type Usage } from '@agentnest/providers';
import { raceAbort } from '../common/abort.js';
import { BudgetExhaustedError, type CostLedger, type LedgerCharge, type Reservation } from '../cost/cost-ledger.js';
import { holdFor } from '../cost/estimate.js';
import { costOf, type ModelPrice } from '../cost/pricing.js';
import type { RunContext } from './run-state.js';

/** A model call's hold on the tenant's budget, and the request it pays for. */
export interface Held {
  ledger: CostLedger;
  held: Reservation;
  /** The request to send: capped at the granted output tokens when a tenant limit sized the hold. */
  request: LLMRequest;
  /** Set when the budget left granted fewer output tokens than the call wanted. */
  capped?: { wanted: number; period: 'day' | 'month' };
}

/**
 * Holds what the call may cost against the tenant's budget and caps its output at what was held;
 * refuses the call when not even a small reply fits. Undefined (nothing to wait for) without a
 * ledger or a tenant; chained, not async, as every call of every run comes through here.
 */
export function reserve(ctx: RunContext, request: LLMRequest, price: ModelPrice | undefined, signal = ctx.state.signal): Promise<Held> | undefined {
  const { state } = ctx;
  const ledger = ctx.options.ledger ?? state.inherited.ledger;
  const tenant = state.identity.tenant;
  if (!ledger || tenant === undefined) return undefined;
  const hold = holdFor(request, price);
  // Labelled, so a lease charged after its process died shows on the call's own usage line.
  return raceAbort(ledger.reserve(tenant, { ...hold, agent: ctx.agent, model: request.model }), signal).then(
    (held): Held => {
      // Without a limit nothing was sized: the call goes as asked.
      if (!held.limit) return { ledger, held, request };
      // The provider may not write more than was paid for: that is what makes the hold a bound on spend.
      const sent = { ...request, maxTokens: held.grantedOutputTokens };
      return { ledger, held, request: sent, ...(held.grantedOutputTokens < hold.wantOutputTokens ? { capped: { wanted: hold.wantOutputTokens, period: held.limit } } : {}) };
    },
    (err: unknown) => {
      if (err instanceof BudgetExhaustedError) ctx.emit({ type: 'budget.exceeded', scope: 'tenant', action: 'halt', period: err.period, ...err.standing });
      throw err;
    },
  );
}

/** The longest a call keeps renewing its hold: a call stuck past it lets the lease lapse, to be charged what it held. */
export const MAX_HOLD_MS = 30 * 60_000;

/**
 * Renews the lease every third of its life while the call is in flight, so a long stream keeps its
 * hold and a killed process's lapses; returns the stop. A failed renewal is retried at the next tick.
 * After MAX_HOLD_MS it stops renewing: a call hung that long (a stream that never ends) would
 * otherwise keep the tenant's money held, neither spent nor free, for as long as the process lives.
 */
export function keepLease(h: Held | undefined, now: () => number = Date.now): () => void {
  const { ledger } = h ?? {};
  if (!h || !ledger?.renew || !ledger.leaseMs) return () => undefined;
  const until = now() + MAX_HOLD_MS;
  const timer = setInterval(() => {
    if (now() > until) return clearInterval(timer);
    void ledger.renew!(h.held).catch(() => undefined);
  }, Math.max(1, Math.floor(ledger.leaseMs / 3)));
  timer.unref();
  return () => clearInterval(timer);
}

/** What is known of a call that failed: the prompt's size, and the text it streamed before it broke. */
export interface FailedCall {
  agent: string;
  model: string;
  /** Characters of the request (the hold's input estimate is chars / 4). */
  requestChars: number;
  /** Characters of reply text received before the failure. */
  streamedChars: number;
}

/**
 * What a failed call is charged: the vendor's own count when the error carries one, else, once output
 * had started (the vendor was billing), the input estimate and the text seen, marked estimated.
 * Undefined when nothing shows it was billed (refused, or failed before a first token): the hold is released.
 */
export function failedCharge(err: unknown, call: FailedCall, price: ModelPrice | undefined): LedgerCharge | undefined {
  const reported = (err as { usage?: Usage } | null)?.usage;
  if (vendorCount(reported)) return { agent: call.agent, model: call.model, usage: reported, costUsd: costOf(reported, price) };
  if (call.streamedChars <= 0) return undefined;
  const usage = toUsage({ inputTokens: Math.ceil(call.requestChars / 4), outputTokens: Math.ceil(call.streamedChars / 4) });
  return { agent: call.agent, model: call.model, usage, costUsd: costOf(usage, price), estimated: true };
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** A vendor's count worth charging: finite, non-negative, and some input (no prompt is free). */
const vendorCount = (u: Usage | undefined): u is Usage => !!u && isCount(u.inputTokens) && isCount(u.outputTokens) && u.inputTokens > 0;

/**
 * The usage a reply is charged for: the vendor's count when it is one (finite, non-negative, and some
 * input: no prompt is free), else an estimate from the request and the reply, marked estimated. An
 * OpenAI-compatible server that ignores `include_usage`, or a provider of one's own answering NaN,
 * made every call free and lifted the tenant's budget.
 */
export function billedUsage(response: Pick<LLMResponse, 'usage' | 'text' | 'toolCalls'>, requestChars: number): { usage: Usage; estimated: boolean } {
  if (vendorCount(response.usage)) return { usage: response.usage, estimated: false };
  const replyChars = (response.text ?? '').length + (response.toolCalls?.length ? JSON.stringify(response.toolCalls).length : 0);
  return { usage: toUsage({ inputTokens: Math.ceil(requestChars / 4), outputTokens: Math.ceil(replyChars / 4) }), estimated: true };
}

