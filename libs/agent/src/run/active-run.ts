import type { LLMMessage, ToolCall } from '@agentnest/providers';
import type { AgentEventBody } from '../events/agent-event.js';
import type { CheckpointBody } from '../checkpoint/checkpoint.js';
import type { RunLink } from '../team/run-link.js';
import type { ToolResultMessage } from '../tools/tool-result.js';
import type { ResumeOptions, RunInput, RunResult } from './agent.types.js';
import type { RunAgent } from './run-agent.js';
import type { RunContext, RunState } from './run-state.js';
import type { ScreenedAnswer } from './side-channels.js';

/** How a pause is continued; an answer carries what the input guardrails made of it (`by` the agent that screened it). */
export type PendingAction =
  | { kind: 'answer'; answer: unknown; screened?: ScreenedAnswer & { by: RunAgent } }
  | { kind: 'decision'; approve: boolean; reason?: string; approver?: { tenant?: string; principal?: string } };

/**
 * A run as its units (checkpoints and approvals, team routing, the run's end) see it: its state, the
 * agent working on it now, its event channel, and the few ways they may move it on. The loop (AgentRun)
 * implements it; the units never reach into the loop or into another agent otherwise.
 */
export interface ActiveRun {
  readonly state: RunState;
  /** The agent that has the run now (another after a handoff). */
  readonly agent: RunAgent;
  /** The view of the run its steps (model call, output tiers, memory, guardrails) work with. */
  context(): RunContext;
  emit(body: AgentEventBody): void;
  /** Runs `work` inside the recorders' scope of this event. */
  scope<T>(body: AgentEventBody, work: () => T): T;
  /** Makes `agent` the one that works on the run (a handoff, or a conversation it holds). */
  enter(agent: RunAgent): void;
  /** Goes on with the step loop from the next model call. */
  loop(history: LLMMessage[]): Promise<RunResult>;
  /** Finishes a paused turn: calls without a result run now (`approved` ones without asking again), then the loop goes on. */
  continueTurn(calls: ToolCall[], results: Record<string, ToolResultMessage>, approved?: ReadonlySet<string>): Promise<RunResult>;
  /** Starts the sub-run of an agent called as a tool. */
  startSub(target: RunAgent, input: RunInput, link: RunLink): Promise<RunResult>;
  /** Continues a sub-run's checkpoint (the sub-agent's pause inside this run's). */
  reopenSub(target: RunAgent, body: CheckpointBody, opts: ResumeOptions, action: PendingAction, link: RunLink): Promise<RunResult>;
}
