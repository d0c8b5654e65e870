import type { FinishReason, LLMMessage, ToolCall, Usage } from '@agentnest/providers';
import { noUsage } from '../cost/pricing.js';
import type { ToolResultMessage } from '../tools/tool-result.js';

/** One step of a run: a model call and the results of the tools it called (named as the AI SDK's StepResult). */
export interface StepResult {
  /** 0 for the run's first model call, then 1, 2, ... (a resumed run goes on counting). */
  stepNumber: number;
  /** The agent that made the call (after a handoff, the one that has the conversation). */
  agent: string;
  /** The model called. */
  model: string;
  /** The text the model gave. */
  text: string;
  /** The tools it asked for (empty for a reply). */
  toolCalls: ToolCall[];
  /** The results the step's tool calls gave (in call order); empty for a step that called none. */
  toolResults: ToolResultMessage[];
  /** Usage of the step's model call; zero for a step before a pause, rebuilt from the checkpoint. */
  usage: Usage;
  /** Why the model stopped (`tool-calls` when it asked for tools). */
  finishReason: FinishReason;
}

/** What `prepareStep` is given before each model call; every array is a copy. */
export interface PrepareStepOptions {
  /** The number the coming step will have. */
  stepNumber: number;
  /** The steps so far. */
  steps: StepResult[];
  /** The model the call would use. */
  model: string;
  /** The conversation the call would send: earlier history (before fitting to the window), then this turn. */
  messages: LLMMessage[];
}

/** What `prepareStep` may change for the next model call only. */
export interface PrepareStepResult {
  /** Calls another model (priced and budgeted as that model). */
  model?: string;
  /** Replaces the agent's system prompt (the summary, recall and output instructions still follow it). */
  system?: string;
  /** Replaces the messages sent (as given: not fitted to the window, nothing stored). */
  messages?: LLMMessage[];
  /** The only tools the model may call (names); tools it already called in this turn stay declared so vendors accept the history. */
  activeTools?: string[];
  /** `none` makes the model reply without calling tools. */
  toolChoice?: 'auto' | 'none';
}

/** Called before each model call; may change that call. */
export type PrepareStepFunction = (options: PrepareStepOptions) => PrepareStepResult | undefined | void | PromiseLike<PrepareStepResult | undefined | void>;

/** Called after each step (its tools ran, or it answered) with a copy of the step. */
export type StepFinishCallback = (step: StepResult) => void | PromiseLike<void>;

/**
 * The steps of a reopened run before its pause, rebuilt from the checkpoint's turn (each assistant
 * message with tool calls, and its results), so stop conditions count them as before the pause.
 * The paused step itself is recorded when its results are in.
 */
export function rebuildSteps(turn: LLMMessage[], model: string, agent: string): StepResult[] {
  const steps: StepResult[] = [];
  const results = new Map(turn.flatMap((m) => (m.role === 'tool' ? [[m.toolCallId, m as ToolResultMessage] as const] : [])));
  for (const m of turn.slice(0, -1)) {
    if (m.role !== 'assistant' || !m.toolCalls?.length) continue;
    const toolResults = m.toolCalls.flatMap((c) => results.get(c.id) ?? []);
    steps.push({ stepNumber: steps.length, agent: m.agent ?? agent, model, text: m.content, toolCalls: m.toolCalls, toolResults, usage: noUsage(), finishReason: 'tool-calls' });
  }
  return steps;
}
