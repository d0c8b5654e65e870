import type { LLMMessage, LLMResponse } from '@agentnest/providers';
import type { GuardrailTrip } from '../guardrails/guardrail.js';
import { screen } from '../guardrails/screen.js';
import type { OutputTier } from '../output/output-options.js';
import type { ActiveRun } from './active-run.js';
import type { BlockedResult, BudgetExceededResult, CompletedResult } from './agent.types.js';
import { embedTurn } from './run-memory.js';
import { reparse, screenContext } from './run-guardrails.js';

// How a run ends: completed (the reply screened and remembered), blocked by a guardrail, or out of budget.

/** `text` with the placeholders of `restore` replaced by what they stand for. */
const restoreIn = (text: string, restore: Record<string, string> | undefined): string => {
  if (!restore) return text;
  let out = text;
  for (const [placeholder, original] of Object.entries(restore)) out = out.split(placeholder).join(original);
  return out;
};

/** A turn cut short, as history can keep it: an assistant message whose calls have no results loses its calls. */
const wellFormed = (turn: LLMMessage[]): LLMMessage[] => {
  const answered = new Set(turn.flatMap((m) => (m.role === 'tool' ? [m.toolCallId] : [])));
  return turn.map((m) => (m.role === 'assistant' && m.toolCalls?.some((c) => !answered.has(c.id)) ? { role: 'assistant', content: m.content, ...(m.agent ? { agent: m.agent } : {}) } : m));
};

/** What every result of the run carries. */
export function resultBase(run: ActiveRun) {
  const { state } = run;
  return { runId: state.runId, answeredBy: run.agent.name, conversationId: state.identity.conversationId, usage: state.usage, costUsd: state.costUsd, iterations: state.iterations };
}

/** Reports the run's end with its figures. */
export function emitEnd(run: ActiveRun, status: 'completed' | 'paused' | 'blocked' | 'budget_exceeded', stoppedEarly: boolean, text?: string): void {
  const base = resultBase(run);
  run.emit({ type: 'run.end', status, ...(text === undefined ? {} : { text }), usage: base.usage, costUsd: base.costUsd, iterations: base.iterations, stoppedEarly, durationMs: performance.now() - run.state.startedAt });
}

export function budgetExceeded(run: ActiveRun, response: Pick<LLMResponse, 'text'>): BudgetExceededResult {
  emitEnd(run, 'budget_exceeded', true, response.text);
  return { status: 'budget_exceeded', ...resultBase(run), text: response.text, limitUsd: run.state.budget!.usd };
}

/** Ends a run with its reply: output guardrails, then memory (keyed by runId), then the caller's copy with placeholders restored. */
export async function complete(run: ActiveRun, response: LLMResponse, stoppedEarly: boolean, structured?: { value: unknown; tier: OutputTier }): Promise<CompletedResult> {
  const { state, agent } = run;
  const { memory, recall } = agent.options;
  let output = structured;
  // A structured reply is remembered (and returned) as its canonical JSON, whichever tier served it.
  let reply = output ? JSON.stringify(output.value) : response.text;
  const guards = agent.options.guardrails?.output;
  if (guards?.length) {
    const screened = (await screen(guards, reply, screenContext(run.context(), 'output'))).text;
    if (screened !== reply && output) output = reparse(state, screened, output.tier);
    reply = screened;
  }
  if (output || reply !== response.text) state.turn[state.turn.length - 1] = { role: 'assistant', content: reply, ...(state.team ? { agent: agent.name } : {}) };
  // A sub-agent reading its caller's conversation has none of its own to write to.
  if (memory && !state.link?.historyFrom) {
    // With recall on, user and assistant text is embedded so later runs can find it.
    const embeddings = recall ? await embedTurn(run.context()) : undefined;
    // Keyed by runId: a retried job or a replayed checkpoint of this run never writes the turn twice.
    await memory.append(state.identity, state.turn, { idempotencyKey: state.runId, ...(embeddings ? { embeddings } : {}) });
    run.emit({ type: 'memory.write', store: memory.name, count: state.turn.length });
  }
  emitEnd(run, 'completed', stoppedEarly, reply);
  // Only the caller's copy gets back what input guardrails replaced with placeholders; memory and events keep the placeholders.
  const result: CompletedResult = { status: 'completed', ...resultBase(run), text: restoreIn(reply, state.restore), finishReason: response.finishReason, stoppedEarly };
  return output ? { ...result, output: output.value, outputTier: output.tier } : result;
}

/** Ends a run a guardrail tripped; nothing is stored unless the agent keeps blocked turns. */
export async function blocked(run: ActiveRun, trip: GuardrailTrip): Promise<BlockedResult> {
  const { state, agent } = run;
  const { memory, guardrails } = agent.options;
  if (guardrails?.storeBlocked && memory && !state.link?.historyFrom) {
    const note = { role: 'assistant' as const, content: `(blocked by the ${trip.guardrail} guardrail: ${trip.reason})`, ...(state.team ? { agent: agent.name } : {}) };
    // Whatever the turn had when it tripped, with its pending tool calls answered so the history stays well-formed.
    // The reply an output guardrail refused is not kept.
    const turn = wellFormed(trip.stage === 'output' ? state.turn.slice(0, -1) : state.turn);
    await memory.append(state.identity, [...turn, note], { idempotencyKey: state.runId });
    run.emit({ type: 'memory.write', store: memory.name, count: turn.length + 1 });
  }
  emitEnd(run, 'blocked', true);
  return { status: 'blocked', ...resultBase(run), ...trip };
}
