import type { LLMResponse } from '@agentnest/providers';
import type { AgentEventBody } from '../events/agent-event.js';
import type { OutputTier } from '../output/output-options.js';
import { sideCall } from './model-call.js';
import type { RunContext, RunState } from './run-state.js';
import { GuardrailTripped, type GuardrailStage } from '../guardrails/guardrail.js';
import { screen, screenConcurrently, type ScreenContext } from '../guardrails/screen.js';

// How a run applies its agent's guardrails: the message before (or beside) the first model call,
// and what guardrails of each stage are given.

/** What guardrails of a stage are given in this run, besides the text. */
export function screenContext(ctx: RunContext, stage: GuardrailStage, tool?: string, signal = ctx.state.signal): ScreenContext {
  const { state } = ctx;
  return {
    stage,
    identity: state.identity,
    roles: state.roles,
    agent: ctx.agent,
    ...(tool ? { tool } : {}),
    signal,
    emit: ctx.emit,
    complete: (provider, request, price) => sideCall(ctx, provider, request, price, signal),
  };
}

/**
 * Reports the run's start with the message after the input guardrails: `before` ones run now, in
 * order (a rewrite, such as a redaction, is what everything after sees, events and logs included);
 * `parallel` ones start now and run beside the first model call (`state.gate`). Their decisions are
 * reported after run.start, so they land in the run's span. Throws GuardrailTripped.
 */
export async function screenMessage(ctx: RunContext, message: string): Promise<string> {
  const { state } = ctx;
  const guards = ctx.options.guardrails?.input ?? [];
  const decisions: AgentEventBody[] = [];
  const start = (text: string) => {
    ctx.emit({ type: 'run.start', identity: state.identity, message: text });
    for (const d of decisions.splice(0)) ctx.emit(d);
  };
  if (!guards.length) {
    start(message);
    return message;
  }
  let screened;
  try {
    screened = await screen(
      guards.filter((g) => g.mode !== 'parallel'),
      message,
      { ...screenContext(ctx, 'input'), emit: (d) => decisions.push(d) },
    );
  } catch (err) {
    // Tripped before the model saw anything: the message itself is never reported.
    if (err instanceof GuardrailTripped) start(`(blocked by the ${err.trip.guardrail} guardrail)`);
    throw err;
  }
  start(screened.text);
  state.turn[0] = { role: 'user', content: screened.text };
  if (Object.keys(screened.restore).length) state.restore = screened.restore;
  const parallel = guards.filter((g) => g.mode === 'parallel');
  if (parallel.length) {
    const gate = new AbortController();
    const stop = () => gate.abort(state.signal.reason);
    state.signal.addEventListener('abort', stop, { once: true });
    state.gate = screenConcurrently(parallel, screened.text, screenContext(ctx, 'input', undefined, gate.signal)).finally(() => {
      state.signal.removeEventListener('abort', stop);
      gate.abort();
    });
  }
  return screened.text;
}

/** The first model call (`call`), beside the parallel input guardrails: a trip cancels the call (no tokens paid after it) and blocks the run. */
export async function gatedCall(state: RunState, call: () => Promise<LLMResponse>): Promise<LLMResponse> {
  const gate = state.gate!;
  state.gate = undefined;
  const runSignal = state.signal;
  const controller = new AbortController();
  const stop = () => controller.abort(runSignal.reason);
  runSignal.addEventListener('abort', stop, { once: true });
  // The call reads the run's signal when it starts: for its duration, that is this one.
  state.signal = controller.signal;
  const answer = call().then((response) => ({ response }), (error: unknown) => ({ error }));
  try {
    const tripped = await gate;
    if (tripped) {
      controller.abort(tripped);
      await answer;
      throw tripped;
    }
    const settled = await answer;
    if ('error' in settled) throw settled.error;
    return settled.response;
  } finally {
    runSignal.removeEventListener('abort', stop);
    state.signal = runSignal;
  }
}

/** A structured reply an output guardrail rewrote must still be the JSON the schema wants, or the run is blocked. */
export function reparse(state: RunState, text: string, tier: OutputTier): { value: unknown; tier: OutputTier } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === undefined || (state.output && !state.output.validate(value).ok)) throw new GuardrailTripped({ guardrail: 'output', stage: 'output', reason: 'a guardrail rewrote the structured reply into one that no longer matches its schema' });
  return { value, tier };
}
