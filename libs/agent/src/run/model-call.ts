import type { CallOptions, LLMMessage, LLMProvider, LLMRequest, LLMResponse } from '@agentnest/providers';
import { consumeStream, raceAbort } from '../common/abort.js';
import { addUsage, costOf, holdPrice, type ModelPrice } from '../cost/pricing.js';
import { fenceAsData, fenceBoundary } from '../guardrails/data-fence.js';
import { outputInstruction } from '../output/structured-output.js';
import type { AgentEventBody } from '../events/agent-event.js';
import { fixedChars } from '../cost/estimate.js';
import { historyFor } from './history-view.js';
import { DEFAULT_REPLY_TOKENS, DEFAULT_SUMMARY_TOKENS, fitHistory, fixedText, messageChars, windowFor } from './context-window.js';
import type { RunContext, RunState } from './run-state.js';
import type { PrepareStepResult } from './step.js';
import { billedUsage, failedCharge, keepLease, reserve, type Held } from './tenant-hold.js';

export const FINAL_CALL_NOTE = 'You have used all your tool calls for this request. Answer now with what you have, without calling tools.';

/**
 * One model call of a run: builds the request fitted to the model's context window, holds its
 * estimated cost against the tenant's budget, streams or waits, then prices and reports it. A
 * context-length error from the provider is retried once with half the room for history.
 */
export async function callModel(ctx: RunContext, history: LLMMessage[], tools: NonNullable<LLMRequest['tools']>, final: boolean, note = final ? FINAL_CALL_NOTE : undefined, prepared?: PrepareStepResult): Promise<LLMResponse> {
  ctx.state.iterations++;
  const first = buildRequest(ctx, history, tools, final, note, 1, undefined, prepared);
  try {
    return await send(ctx, first, tools, final);
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code !== 'context_length' || first.kept === 0) throw err;
    const retry = buildRequest(ctx, history, tools, final, note, 0.5, first.historyTokens, prepared);
    ctx.emit({ type: 'llm.refit', iteration: ctx.state.iterations, code: 'context_length', droppedMessages: retry.dropped - first.dropped });
    return send(ctx, retry, tools, final);
  }
}

/** How many earlier messages the first call of a run will leave out (what a summary must cover). */
export function plannedDrop(ctx: RunContext, history: LLMMessage[], tools: NonNullable<LLMRequest['tools']>): number {
  return buildRequest(ctx, history, tools, false, undefined, 1).dropped;
}

interface Built {
  request: LLMRequest;
  /** Earlier messages left out to fit, and how many were kept. */
  dropped: number;
  kept: number;
  /** Estimated tokens of the history sent. */
  historyTokens: number;
  /** Characters of the whole request, for calibrating the estimate against what the vendor reports. */
  chars: number;
}

/**
 * The request for one call. History (other agents' tool calls as text) is fitted into what the
 * window leaves after the system prompt, tools, the current turn and the reply; `share` < 1 (a
 * retry after a context-length error) keeps at most that share of what was sent before.
 */
function buildRequest(ctx: RunContext, history: LLMMessage[], tools: NonNullable<LLMRequest['tools']>, final: boolean, note: string | undefined, share: number, sentBefore?: number, prepared?: PrepareStepResult): Built {
  const { state } = ctx;
  const { maxTokens, temperature } = ctx.options;
  // What prepareStep changed for this call only; messages it gives are sent as given (the turn is never cut).
  const model = prepared?.model ?? ctx.options.model;
  const system = prepared?.system ?? ctx.options.system;
  const turn = prepared?.messages ?? turnView(state);
  if (prepared?.messages) history = [];
  const request: LLMRequest = { model, messages: [] };
  // Fenced like a tool result: it was written from users' and tools' words. One boundary per run keeps
  // the system prompt the same from call to call (a prompt cache's prefix).
  const summary = state.summary ? fenceAsData('The summary of the earlier conversation (its older messages are not shown)', state.summary, 'It was written from those messages', (state.fence ??= fenceBoundary())) : undefined;
  const systemText = [system, state.team?.handoff?.note, summary, state.recalled, state.output ? outputInstruction(state.output) : undefined, note].filter(Boolean).join('\n\n') || undefined;
  if (systemText) request.system = systemText;
  // The final call keeps the tools declared (vendors reject tool history without them) but forbids new calls.
  if (tools?.length) request.tools = tools;
  if ((final || prepared?.toolChoice === 'none') && tools?.length) request.toolChoice = 'none';
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  if (temperature !== undefined) request.temperature = temperature;
  const tokensOf = (m: LLMMessage) => ctx.estimator.message(model, m);
  // With summaries on, the summary's room is its most (counted whether it exists yet or not), so the
  // boundary the summary was written up to is exactly where the request's history starts.
  const summarize = ctx.options.context?.summarize;
  const summaryRoom = summarize ? (summarize.maxTokens ?? DEFAULT_SUMMARY_TOKENS) : 0;
  const fixed = ctx.estimator.tokens(model, fixedChars(request) - (summary?.length ?? 0), () => fixedText(request, summary)) + turn.reduce((n, m) => n + tokensOf(m), 0) + summaryRoom;
  const window = windowFor(model, ctx.options.context);
  const reply = ctx.options.context?.replyTokens ?? maxTokens ?? DEFAULT_REPLY_TOKENS;
  let budget = window === undefined ? Infinity : window - reply - fixed;
  if (sentBefore !== undefined) budget = Math.min(budget, Math.floor(sentBefore * share));
  // The current turn is never cut: only earlier history makes room.
  const fitted = fitHistory(history, Math.max(0, budget), tokensOf);
  request.messages = [...historyFor(fitted.kept, new Set(tools.map((t) => t.name))), ...turn];
  const chars = fixedChars(request) + request.messages.reduce((n, m) => n + messageChars(m), 0);
  return { request, dropped: fitted.dropped, kept: fitted.kept.length, historyTokens: fitted.kept.reduce((n, m) => n + tokensOf(m), 0), chars };
}

/** The `llm.request` event of a call, as sent (after a tenant hold capped its maxTokens). */
function requestEvent(iteration: number, request: LLMRequest, toolCount: number, temperature: number | undefined, dropped: number, capped: Extract<AgentEventBody, { type: 'llm.request' }>['capped']): AgentEventBody {
  return {
    type: 'llm.request',
    iteration,
    model: request.model,
    messageCount: request.messages.length,
    toolCount,
    maxTokens: request.maxTokens,
    temperature,
    ...(dropped ? { droppedMessages: dropped } : {}),
    ...(capped ? { capped } : {}),
  };
}

/** Sends one built request and accounts for it. */
async function send(ctx: RunContext, built: Built, tools: NonNullable<LLMRequest['tools']>, final: boolean): Promise<LLMResponse> {
  const { state } = ctx;
  const { temperature, provider } = ctx.options;
  const model = built.request.model;
  const pricingTable = ctx.options.pricingTable ?? state.inherited.pricingTable;
  // Held before the call is announced, so the event shows the maxTokens actually sent.
  const holding = reserve(ctx, built.request, holdPrice(pricingTable?.[model], provider.models, pricingTable));
  const reservation = holding && (await holding);
  const request = reservation ? reservation.request : built.request;
  const requested = requestEvent(state.iterations, request, final ? 0 : tools.length, temperature, built.dropped, reservation?.capped);
  ctx.emit(requested);
  const started = performance.now();
  const iteration = state.iterations;
  const callOptions: CallOptions = {
    signal: state.signal,
    tenant: state.identity.tenant,
    onEvent: (decision) => ctx.emit({ type: 'resilience', iteration, decision }),
  };
  let response: LLMResponse;
  let streamedChars = 0;
  const stopRenewing = keepLease(reservation);
  try {
    // Inside the recorders' scope: the SDK's own HTTP spans become children of this call's span.
    response = await ctx.scope(requested, () =>
      state.stream && provider.stream
        ? consumeStream(provider.stream(request, callOptions), state.signal, (delta) => {
            streamedChars += delta.length;
            ctx.emit({ type: 'llm.delta', iteration, delta });
          })
        : raceAbort(provider.complete(request, callOptions), state.signal),
    );
  } catch (err) {
    // Charged what is known of it (a stream that broke or was aborted midway was billed), else the hold goes back.
    await settleFailed(reservation, failedCharge(err, { agent: ctx.agent, model, requestChars: built.chars, streamedChars }, pricingTable?.[model]));
    throw err;
  } finally {
    stopRenewing();
  }
  const billed = billedUsage(response, built.chars);
  // The vendor's own count calibrates the estimates later requests are fitted with; an estimate does not.
  if (billed.estimated) response = { ...response, usage: billed.usage };
  else ctx.estimator.observe(model, built.chars, response.usage.inputTokens);
  const costUsd = await account(ctx, reservation, response, billed.estimated, pricingTable?.[response.model] ?? pricingTable?.[model]);
  ctx.emit({
    type: 'llm.response',
    iteration: state.iterations,
    provider: response.provider,
    model: response.model,
    text: response.text,
    toolCalls: response.toolCalls,
    usage: response.usage,
    finishReason: response.finishReason,
    durationMs: performance.now() - started,
    costUsd,
  });
  if (pricingTable) ctx.emit({ type: 'cost.tick', iteration, model: response.model, costUsd, totalUsd: state.costUsd });
  return response;
}

/** Reports the run's costBudget once when spent; says whether the run must stop. */
export function checkRunBudget(ctx: RunContext): 'ok' | 'warn' | 'halt' {
  const { state } = ctx;
  const budget = state.budget;
  if (!budget || state.costUsd <= budget.usd) return 'ok';
  const action = budget.onExceed ?? 'halt';
  if (!state.overBudget) ctx.emit({ type: 'budget.exceeded', scope: 'run', action, limitUsd: budget.usd, spentUsd: state.costUsd });
  state.overBudget = true;
  return action;
}

/**
 * The turn as the active agent sees it: after a handoff, the user's message and the new agent's own
 * messages (what came before is in its handoff note, since the earlier agent's tool calls name tools
 * it does not have).
 */
export function turnView(state: RunState): LLMMessage[] {
  const start = state.team?.handoff?.start;
  return start === undefined ? state.turn : [state.turn[0], ...state.turn.slice(start)];
}

/**
 * A model call made for the run outside its conversation (a guardrail's classifier): held against
 * the tenant's budget like any call, priced with `price`, added to the run's usage and cost.
 */
export async function sideCall(ctx: RunContext, provider: LLMProvider, request: LLMRequest, price: ModelPrice | undefined, signal: AbortSignal): Promise<LLMResponse> {
  const { state } = ctx;
  const holding = reserve(ctx, request, holdPrice(price, provider.models, ctx.options.pricingTable ?? state.inherited.pricingTable), signal);
  const reservation = holding && (await holding);
  let response: LLMResponse;
  const stopRenewing = keepLease(reservation);
  try {
    response = await raceAbort(provider.complete(reservation ? reservation.request : request, { signal, tenant: state.identity.tenant }), signal);
  } catch (err) {
    await settleFailed(reservation, failedCharge(err, { agent: ctx.agent, model: request.model, requestChars: requestChars(request), streamedChars: 0 }, price));
    throw err;
  } finally {
    stopRenewing();
  }
  const billed = billedUsage(response, requestChars(request));
  if (billed.estimated) response = { ...response, usage: billed.usage };
  const costUsd = await account(ctx, reservation, response, billed.estimated, price);
  if (price) ctx.emit({ type: 'cost.tick', iteration: state.iterations, model: response.model, costUsd, totalUsd: state.costUsd });
  return response;
}

/** Settles a failed call's hold with what it is known to have cost, never more than was held; a ledger error must not hide the call's own. */
async function settleFailed(h: Held | undefined, charge: ReturnType<typeof failedCharge>): Promise<void> {
  if (!h) return;
  const capped = charge && { ...charge, costUsd: Math.min(charge.costUsd, h.held.estimateMicros / 1e6) };
  await h.ledger.settle(h.held, capped).catch(() => undefined);
}

/** Characters of a side call's prompt, for an estimate when its usage is not reported. */
const requestChars = (r: LLMRequest) => (r.system?.length ?? 0) + r.messages.reduce((n, m) => n + m.content.length, 0);

/**
 * Prices a reply, adds it to the run's usage and cost, and settles its hold. A cost of our own
 * estimate is never more than the call held (as a failed call's); the vendor's own count is charged as it is.
 */
async function account(ctx: RunContext, h: Held | undefined, response: LLMResponse, estimated: boolean, price: ModelPrice | undefined): Promise<number> {
  const { state } = ctx;
  const priced = costOf(response.usage, price);
  const costUsd = estimated && h ? Math.min(priced, h.held.estimateMicros / 1e6) : priced;
  state.usage = addUsage(state.usage, response.usage);
  state.costUsd += costUsd;
  if (h) await h.ledger.settle(h.held, { agent: ctx.agent, model: response.model, usage: response.usage, costUsd, ...(estimated ? { estimated: true } : {}) });
  return costUsd;
}
