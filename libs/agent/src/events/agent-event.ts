import type { FinishReason, ProviderEvent, ToolCall, Usage } from '@agentnest/providers';

/**
 * What every event carries, whatever its type.
 * @inline
 */
interface EventBase {
  /** The run the event belongs to. */
  runId: string;
  /** The agent that emitted it (after a handoff, the one answering now). */
  agent: string;
  /** Epoch milliseconds. */
  at: number;
  /** Set on the events of an agent called as a tool: the run that called it. */
  parentRunId?: string;
  /** How deep that sub-run is (1 below the top agent, ...); absent on the top run. */
  depth?: number;
}

/** Identity as carried in events: ids only, never message contents or secrets. */
export interface EventIdentity {
  tenant?: string;
  principal?: string;
  conversationId: string;
}

/**
 * What each event type carries besides the run's common fields.
 * @inline
 */
export type AgentEventBody =
  | { type: 'run.start'; identity: EventIdentity; message: string }
  /**
   * `maxTokens` as sent; `capped` when the tenant's budget left room for fewer output tokens than the call
   * wanted (`wanted`), under its daily or monthly limit (`period`). `droppedMessages`: earlier messages
   * left out so the request fits the model's context window.
   */
  | { type: 'llm.request'; iteration: number; model: string; messageCount: number; toolCount: number; maxTokens?: number; temperature?: number; droppedMessages?: number; capped?: { wanted: number; period: 'day' | 'month' } }
  /** The provider said the request was too long: it is sent again without `droppedMessages` more earlier messages. */
  | { type: 'llm.refit'; iteration: number; code: 'context_length'; droppedMessages: number }
  /** A piece of reply text as the model streams it (only for runs started with `stream: true`). */
  | { type: 'llm.delta'; iteration: number; delta: string }
  | { type: 'llm.response'; iteration: number; provider: string; model: string; text: string; toolCalls: ToolCall[]; usage: Usage; finishReason: FinishReason; durationMs: number; costUsd: number }
  | { type: 'tool.start'; toolCallId: string; tool: string; args: Record<string, unknown> }
  /** A tool call refused by the tool policy (never executed): who asked, for which tool, which rule decided. */
  | { type: 'tool.denied'; toolCallId: string; tool: string; rule: string; tenant?: string; principal?: string; roles: string[] }
  | { type: 'tool.end'; toolCallId: string; tool: string; result: string; isError: boolean; durationMs: number }
  | { type: 'memory.read'; store: string; count: number }
  | { type: 'memory.write'; store: string; count: number }
  | { type: 'memory.recall'; store: string; count: number }
  /**
   * The conversation's summary took in `summarized` more messages that no longer fit the window, in
   * `batches` summariser calls; `remaining` more that it does not cover yet are left for later runs
   * (a run makes a bounded number of calls, or stopped at its budget or an error after these).
   */
  | { type: 'memory.summary'; store: string; summarized: number; batches: number; remaining?: number }
  | { type: 'pause'; toolCallId: string; tool: string; pauseData: unknown }
  /** A tool call waits for an approval (audit: who asked for what, who may approve, until when). */
  | { type: 'approval.requested'; approvalId: string; toolCallId: string; tool: string; argsHash: string; requestedBy: { tenant?: string; principal?: string }; approverRoles: string[]; expiresAt: string }
  /** An approval was decided (audit: by whom, how, why); `expired` when it came after the expiry. */
  | { type: 'approval.decided'; approvalId: string; toolCallId: string; tool: string; decision: 'approve' | 'deny'; approver?: { tenant?: string; principal?: string }; reason?: string; expired: boolean }
  /** A paused run continues: with an answer to its pending call, or with a decision on its approval. */
  | { type: 'resume'; toolCallId: string; tool: string; identity: EventIdentity; via: 'answer' | 'decision' }
  /** The conversation went to another agent: the model transferred it, or (`held`) that agent answered its last turn and still holds it. */
  | { type: 'handoff'; from: string; to: string; reason: string; held: boolean }
  /** Structured output: which tier served (`none`: every tier failed) and why earlier tiers failed. */
  | { type: 'output'; tier: 'model' | 'repair' | 'fallback' | 'canned' | 'none'; failures: string[] }
  /** The cost of one model call and of the run so far (USD, from the pricing table). */
  | { type: 'cost.tick'; iteration: number; model: string; costUsd: number; totalUsd: number }
  /**
   * A budget ran out: the run's costBudget (`scope: 'run'`), or the tenant's daily/monthly budget cannot
   * cover the next call (`scope: 'tenant'`: `spentUsd` settled, `heldUsd` held for calls in progress,
   * `neededUsd` the least the call needed; spent only when `spentUsd` reached `limitUsd`).
   */
  | { type: 'budget.exceeded'; scope: 'run' | 'tenant'; action: 'warn' | 'halt'; limitUsd?: number; spentUsd?: number; heldUsd?: number; neededUsd?: number; period?: 'day' | 'month' }
  /** A guardrail's decision on the message, the reply or a tool's result (never the text itself). */
  | { type: 'guardrail'; guardrail: string; stage: 'input' | 'output' | 'tool'; action: 'pass' | 'rewrite' | 'trip'; reason?: string; tool?: string; durationMs: number }
  | { type: 'run.end'; status: 'completed' | 'paused' | 'budget_exceeded' | 'blocked'; text?: string; usage: Usage; costUsd: number; iterations: number; stoppedEarly: boolean; durationMs: number }
  | { type: 'run.error'; code: string; message: string }
  /** A retry, fallback, breaker change or rate-limit decision taken while calling the model. */
  | { type: 'resilience'; iteration: number; decision: ProviderEvent };

/** A typed event emitted at every step of a run. */
export type AgentEvent = EventBase & AgentEventBody;
/** The `type` of an event (`run.start`, `tool.end`, ...): what a recorder switches on. */
export type AgentEventType = AgentEvent['type'];

/** Receives every event of the runs of the agent it is attached to. */
export interface Recorder {
  /** Receives each event as it happens; it must not throw or block (a run does not wait for it). */
  onEvent(event: AgentEvent): void;
  /**
   * Optional: runs `work` (the provider call of an `llm.request` event, a tool's execution after its
   * `tool.start`) inside this recorder's own context. The OTel recorder makes the `chat` or
   * `execute_tool` span active there, so the vendor SDK's HTTP spans and a sub-agent's spans are its
   * children. It must call `work` exactly once and return what it returns.
   */
  scope?<T>(event: AgentEvent, work: () => T): T;
}
