import type { FinishReason, LLMMessage, ToolCall, Usage } from '@agentnest/providers';
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
  return Promise.resolve(prepare(given)).then(checkPrepared);
}

function checkPrepared(prepared: PrepareStepResult | undefined | void): PrepareStepResult | undefined {
  if (!prepared) return undefined;
  const bad = (what: string) => new AgentError('invalid_input', `prepareStep returned an invalid ${what}`);
  if (prepared.model !== undefined && (typeof prepared.model !== 'string' || !prepared.model)) throw bad('model');
  if (prepared.system !== undefined && typeof prepared.system !== 'string') throw bad('system');
  if (prepared.messages !== undefined && !Array.isArray(prepared.messages)) throw bad('messages');
  if (prepared.activeTools !== undefined && !(Array.isArray(prepared.activeTools) && prepared.activeTools.every((t) => typeof t === 'string'))) throw bad('activeTools');
  if (prepared.toolChoice !== undefined && prepared.toolChoice !== 'auto' && prepared.toolChoice !== 'none') throw bad('toolChoice');
  // Copied in: a callback that keeps its messages cannot change them under the run.
  return prepared.messages ? { ...prepared, messages: structuredClone(prepared.messages) } : prepared;
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
  return (async () => {
    for (const listener of listeners) await listener(structuredClone(step));
  })();
}
