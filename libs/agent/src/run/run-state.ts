import type { LLMMessage, Usage } from '@agentnest/providers';
import type { MemoryIdentity } from '@agentnest/memory';
import type { AgentOptions, CostBudget } from './agent.types.js';
import type { CostLedger } from '../cost/cost-ledger.js';
import type { PricingTable } from '../cost/pricing.js';
import type { RunLink } from '../team/run-link.js';
import type { TeamState } from '../team/team-state.js';
import type { GuardrailTripped } from '../guardrails/guardrail.js';
import type { TokenEstimator } from './context-window.js';
import type { AgentEventBody } from '../events/agent-event.js';
import type { NarrativeRecorder } from '../events/narrative.recorder.js';
import type { RecorderSet } from '../events/recorder-set.js';
import type { CompiledOutputSchema } from '../output/output-schema.js';
import type { Tool } from '../tools/tool.js';
import type { PrepareStepFunction, StepFinishCallback, StepResult } from './step.js';
import type { StopCondition } from './stop-condition.js';

/** The step seams a run's caller may set for one run (RunInput). */
export interface RunSeams {
  stopWhen?: StopCondition[];
  prepareStep?: PrepareStepFunction;
  onStepFinish?: StepFinishCallback;
}

/** Mutable state of one run between model calls. */
export interface RunState {
  /** The active agent's tools plus the run's own. */
  tools: ReadonlyMap<string, Tool>;
  /** The run's own tools for an agent of it (by name): the caller's tools for the agent it started with, MCP tools per agent. */
  runTools?: (agent: string) => Tool[] | undefined;
  /** Where events go: the attached recorders of every agent the run went through, and the run's own. */
  sink: RecorderSet;
  /** A top-level run's own NarrativeRecorder, whose lines become the result's `narrative`. */
  telling?: NarrativeRecorder;
  /** Set in a sub-run: what it takes from the run that called it. */
  link?: RunLink;
  /** Set when agents of the run can hand off: who has the conversation now and who had it in this run. */
  team?: TeamState;
  /** The run's spending limit: the starting agent's costBudget, capped in a sub-run by what its caller has left. */
  budget?: CostBudget;
  /** Pricing and tenant ledger for agents of the run that have none of their own. */
  inherited: { pricingTable?: PricingTable; ledger?: CostLedger; checkpointSecret?: string };
  /** Related earlier messages found by semantic recall, shown to the model but never stored again. */
  recalled?: string;
  /** The summary of the conversation before the history shown. */
  summary?: string;
  /** The boundary the summary is fenced with in this run's system prompts (drawn at first use). */
  fence?: string;
  runId: string;
  identity: MemoryIdentity;
  turn: LLMMessage[];
  iterations: number;
  usage: Usage;
  costUsd: number;
  startedAt: number;
  signal: AbortSignal;
  stream: boolean;
  roles: string[];
  /** The output schema of this run, if any. */
  output?: CompiledOutputSchema;
  /** The run's costBudget was reported exceeded (reported once). */
  overBudget?: boolean;
  /** Input guardrails running beside the first model call: a trip cancels it. */
  gate?: Promise<GuardrailTripped | undefined>;
  /** Placeholders input guardrails put in the message, and what they stand for (restored in the caller's reply only). */
  restore?: Record<string, string>;
  /** The run's steps so far (a reopened run's earlier ones rebuilt from its checkpoint): what stop conditions read. */
  steps: StepResult[];
  /** The run's own seams (RunInput), beside its agents' own. */
  seams?: RunSeams;
}

/** What the steps of a run share: the agent's options, the run's state, and its event channel. */
export interface RunContext {
  readonly agent: string;
  readonly options: AgentOptions;
  readonly state: RunState;
  emit(body: AgentEventBody): void;
  /** The agent's token estimates, calibrated by what its vendor reports. */
  readonly estimator: TokenEstimator;
  /** Runs `work` inside the recorders' scopes for this event (the provider call of an llm.request). */
  scope<T>(body: AgentEventBody, work: () => T): T;
}
