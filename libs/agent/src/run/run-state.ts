import type { LLMMessage, Usage } from '@agentnest/providers';
import type { MemoryIdentity } from '@agentnest/memory';
import type { AgentOptions } from '../agent.types.js';
import type { AgentEventBody } from '../events/agent-event.js';
import type { RecorderSet } from '../events/recorder-set.js';
import type { CompiledOutputSchema } from '../output/output-schema.js';
import type { Tool } from '../tools/tool.js';

/** Mutable state of one run between model calls. */
export interface RunState {
  /** The agent's tools plus the run's own. */
  tools: ReadonlyMap<string, Tool>;
  /** Recorders of this run only. */
  recorders?: RecorderSet;
  /** Related earlier messages found by semantic recall, shown to the model but never stored again. */
  recalled?: string;
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
}

/** What the steps of a run share: the agent's options, the run's state, and its event channel. */
export interface RunContext {
  readonly agent: string;
  readonly options: AgentOptions;
  readonly state: RunState;
  emit(body: AgentEventBody): void;
  /** Runs `work` inside the recorders' scopes for this event (the provider call of an llm.request). */
  scope<T>(body: AgentEventBody, work: () => T): T;
}
