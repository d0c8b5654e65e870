import type { FinishReason, LLMMessage, ToolCall, Usage } from '@agentnest/providers';
import { raceAbort } from '../common/abort.js';
import { AgentError } from '../errors/agent.errors.js';
import type { Tool } from '../tools/tool.js';
import type { ToolResultMessage } from '../tools/tool-result.js';
import type { ActiveRun } from './active-run.js';
import type { RunInput } from './agent.types.js';
import { turnView } from './model-call.js';
import { calledTools } from './run-agent.js';
import type { RunSeams } from './run-state.js';
import type { PrepareStepResult, StepResult } from './step.js';
import { stopConditions, stopWhenProblem } from './stop-condition.js';

// The loop's seams, by the AI SDK's names: prepareStep before a model call, onStepFinish after a step.
// Callbacks get copies: what they change never reaches the run.

/** A run's own seams (RunInput), checked; undefined when it sets none (the agent's own apply). */
export function runSeams(input: RunInput, maxIterations: number | undefined): RunSeams | undefined {
  const { stopWhen, prepareStep, onStepFinish } = input;
  if (stopWhen === undefined && prepareStep === undefined && onStepFinish === undefined) return undefined;
  const problem = seamProblem(input);
  if (problem) throw new AgentError('invalid_input', problem);
  return { ...(stopWhen ? { stopWhen: stopConditions(stopWhen, maxIterations) } : {}), ...(prepareStep ? { prepareStep } : {}), ...(onStepFinish ? { onStepFinish } : {}) };
}

/** What is wrong with the seams of agent options or a run input, or undefined. */
export function seamProblem(seams: Pick<RunInput, 'stopWhen' | 'prepareStep' | 'onStepFinish'>): string | undefined {
  if (seams.stopWhen !== undefined) {
    const problem = stopWhenProblem(seams.stopWhen);
    if (problem) return problem;
  }
  if (seams.prepareStep !== undefined && typeof seams.prepareStep !== 'function') return 'prepareStep must be a function';
  if (seams.onStepFinish !== undefined && typeof seams.onStepFinish !== 'function') return 'onStepFinish must be a function';
  return undefined;
}

/** Asks `prepareStep` (the run's, else the agent's) about the next model call; undefined, without a promise, when there is none. */
export function prepareStep(run: ActiveRun, history: LLMMessage[]): Promise<PrepareStepResult | undefined> | undefined {
  const { state, agent } = run;
  const prepare = state.seams?.prepareStep ?? agent.options.prepareStep;
  if (!prepare) return undefined;
  const given = { stepNumber: state.steps.length, steps: structuredClone(state.steps), model: agent.options.model, messages: structuredClone([...history, ...turnView(state)]) };
  // Raced against the run's signal: a callback that never settles cannot hold a cancelled run.
  return raceAbort(Promise.resolve(prepare(given)), state.signal).then((prepared) => checkPrepared(prepared, agent.options.pricingTable));
}

const bad = (what: string) => new AgentError('invalid_input', `prepareStep returned an invalid ${what}`);

/**
 * What prepareStep returned, checked and copied in (a callback that keeps its messages cannot change
 * them under the run). Read once, inside a try: a getter or proxy that throws is an invalid result,
 * not an internal error. A model without a price is refused where prices exist: it would run free of
 * every budget.
 */
function checkPrepared(result: PrepareStepResult | undefined | void, pricing: Record<string, unknown> | undefined): PrepareStepResult | undefined {
  if (!result) return undefined;
  let prepared: PrepareStepResult;
  try {
    prepared = structuredClone({ model: result.model, system: result.system, messages: result.messages, activeTools: result.activeTools, toolChoice: result.toolChoice });
  } catch {
    throw bad('result');
  }
  if (prepared.model !== undefined && (typeof prepared.model !== 'string' || !prepared.model)) throw bad('model');
  if (prepared.model !== undefined && pricing && !Object.hasOwn(pricing, prepared.model)) throw bad('model (it has no price in the pricingTable)');
  if (prepared.system !== undefined && typeof prepared.system !== 'string') throw bad('system');
  if (prepared.messages !== undefined && !(Array.isArray(prepared.messages) && prepared.messages.every(isMessage))) throw bad('messages');
  if (prepared.activeTools !== undefined && !(Array.isArray(prepared.activeTools) && prepared.activeTools.every((t) => typeof t === 'string'))) throw bad('activeTools');
  if (prepared.toolChoice !== undefined && prepared.toolChoice !== 'auto' && prepared.toolChoice !== 'none') throw bad('toolChoice');
  return Object.fromEntries(Object.entries(prepared).filter(([, v]) => v !== undefined)) as PrepareStepResult;
}

/** A message the providers can send: a known role, text content, and for tools and tool calls their ids. */
function isMessage(m: unknown): boolean {
  if (typeof m !== 'object' || m === null) return false;
  const { role, content, toolCalls, toolCallId } = m as Record<string, unknown>;
  if (typeof content !== 'string') return false;
  if (role === 'user') return true;
  if (role === 'tool') return typeof toolCallId === 'string';
  if (role !== 'assistant') return false;
  return toolCalls === undefined || (Array.isArray(toolCalls) && toolCalls.every((c) => typeof c === 'object' && c !== null && typeof c.id === 'string' && typeof c.name === 'string' && typeof c.args === 'object' && c.args !== null));
}

/**
 * The tools of one step: declared to the model, and those its calls may run. `activeTools` limits
 * both; tools the model already called in this turn stay declared (vendors refuse history naming
 * undeclared tools) but do not run again.
 */
export function stepTools(run: ActiveRun, prepared: PrepareStepResult | undefined): { specs: ReturnType<ActiveRun['agent']['specs']>; tools: ReadonlyMap<string, Tool> } {
  const { state, agent } = run;
  const specs = agent.specs(state);
  if (!prepared?.activeTools) return { specs, tools: state.tools };
  const active = new Set(prepared.activeTools);
  // A name the run does not have is a mistake (a typo would quietly leave the step without tools).
  const unknown = prepared.activeTools.find((name) => !state.tools.has(name));
  if (unknown !== undefined) throw bad('activeTools (no tool of this run is named as one of them)');
  const called = calledTools(state.turn);
  return { specs: specs.filter((s) => active.has(s.name) || called.has(s.name)), tools: new Map([...state.tools].filter(([name]) => active.has(name))) };
}

/** What a finished step reports of its model call (a reopened step knows only its text). */
interface StepCall {
  text: string;
  model?: string;
  usage?: Usage;
  finishReason: FinishReason;
}

/** Records a finished step for the stop conditions and reports it to `onStepFinish` (the agent's, then the run's); no promise when nobody listens. */
export function finishStep(run: ActiveRun, call: StepCall, toolCalls: ToolCall[], toolResults: ToolResultMessage[]): Promise<void> | undefined {
  const { state, agent } = run;
  const step: StepResult = {
    stepNumber: state.steps.length,
    agent: agent.name,
    model: call.model ?? agent.options.model,
    text: call.text,
    toolCalls,
    toolResults,
    usage: call.usage ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    finishReason: call.finishReason,
  };
  state.steps.push(step);
  const listeners = [agent.options.onStepFinish, state.seams?.onStepFinish].filter((f) => f !== undefined);
  if (!listeners.length) return undefined;
  // Raced against the run's signal, as prepareStep is.
  return raceAbort(
    (async () => {
      for (const listener of listeners) await listener(structuredClone(step));
    })(),
    state.signal,
  );
}
