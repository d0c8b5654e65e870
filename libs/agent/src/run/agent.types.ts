import type { Embedder, FinishReason, LLMProvider, Usage } from '@agentnest/providers';
import type { MemoryIdentity, MemoryStore } from '@agentnest/memory';
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { Approver } from '../checkpoint/approval.js';
import type { CheckpointLedger } from '../checkpoint/checkpoint-ledger.js';
import type { CostLedger } from '../cost/cost-ledger.js';
import type { PricingTable } from '../cost/pricing.js';
import type { ToolPolicy } from '../policy/tool-policy.js';
import type { AgentAccess, AgentAccessPolicy } from '../policy/agent-access.js';
import type { OutputSchema } from '../output/output-schema.js';
import type { OutputOptions, OutputTier } from '../output/output-options.js';
import type { Tool } from '../tools/tool.js';
import type { Recorder } from '../events/agent-event.js';
import type { AgentRef, TeamMember } from '../team/team-tool.js';
import type { GuardrailOptions, GuardrailStage } from '../guardrails/guardrail.js';
import type { ContextOptions } from './context-window.js';
import type { PrepareStepFunction, StepFinishCallback } from './step.js';
import type { StopCondition } from './stop-condition.js';

/** A run's own tools: a list for the agent it starts with, or a function giving each agent of the run its own (MCP tools per agent). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RunTools = Tool<any>[] | ((agent: string) => Tool[] | undefined);

/** What an {@link Agent} is built from: its model, prompt, tools, memory and the limits its runs keep to. */
export interface AgentOptions {
  /** Names the agent in events, run records, handoffs and AgentService lookups. */
  name: string;
  /** What the agent is for; shown to models that may hand off to it. */
  description?: string;
  /** The LLM provider every model call of this agent goes through. */
  provider: LLMProvider;
  /** The model id passed to the provider (also the key into `pricingTable` and the context windows). */
  model: string;
  /** The system prompt. */
  system?: string;
  // Tools of any argument type; each one's arguments are checked against its own schema at run time.
  /** Tools the model may call on every run. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tools?: Tool<any>[];
  /** Conversation memory; without one, every run starts with no history. */
  memory?: MemoryStore;
  /** Model calls that may request tools before one last call without tools (the default `stopWhen`: `stepCountIs(maxIterations)`); @default 10 */
  maxIterations?: number;
  /**
   * When the run stops calling tools: after a step that meets any condition (`stepCountIs(n)`,
   * `hasToolCall(name)`, or `({ steps }) => boolean`), one last model call without tools gives the
   * reply (`stoppedEarly`). With `maxIterations` given too, both apply; every run stops at 100 steps.
   * @default stepCountIs(maxIterations)
   */
  stopWhen?: StopCondition | StopCondition[];
  /** Called before each model call (`{ stepNumber, steps, model, messages }`); may change that call's model, system prompt, messages, active tools or tool choice. */
  prepareStep?: PrepareStepFunction;
  /** Called after each step with its text, tool calls, tool results, usage and finish reason. */
  onStepFinish?: StepFinishCallback;
  /** Earlier messages loaded into the prompt; @default 50 */
  historyLimit?: number;
  /** Most tokens per model reply (a tenant hold may lower it); unset, the provider's own limit applies. */
  maxTokens?: number;
  /** Sampling temperature; unset, the provider's default applies. */
  temperature?: number;
  /** USD per million tokens by model; without it `costUsd` is 0. */
  pricingTable?: PricingTable;
  /** A spending limit for each run; needs `pricingTable`. */
  costBudget?: CostBudget;
  /** The tenant ledger: every model call of a run with a tenant reserves its estimate first and settles after. */
  ledger?: CostLedger;
  /** Reject runs whose identity has no tenant, before any I/O; @default false */
  requireTenant?: boolean;
  /** HMAC key for checkpoints (at least 32 characters); required once a run pauses or resumes. */
  checkpointSecret?: string;
  /** Makes checkpoints single-use and revocable by erasure; share one across every Agent object and instance that resumes (RedisCheckpointLedger); @default a ledger of this Agent object only */
  checkpointLedger?: CheckpointLedger;
  /** How long a checkpoint may be resumed; at most 30 days; @default 7 days */
  checkpointTtlMs?: number;
  /** The clock for checkpoint and approval expiry (tests); @default Date.now */
  now?: () => number;
  /** How long a tool call waits for an approval; deciding later counts as denied; @default 24 h */
  approvalTtlMs?: number;
  /** Structured output for every run (a run's `outputSchema` replaces the schema): validation, one repair round, `fallback`, then `canned`. */
  output?: OutputOptions;
  /** Who may call which tool; checked before every tool call. */
  policy?: ToolPolicy;
  /**
   * Who may reach which agent through this one's handoffs and agent tools (AgentService also checks it
   * on direct calls); one the caller may not reach is never offered to the model. Share one AgentAccess
   * across a team, or give the policy.
   */
  access?: AgentAccess | AgentAccessPolicy;
  /** Semantic recall: related earlier messages of the same tenant and principal, from any conversation, join the prompt. Needs a searchable memory store. */
  recall?: RecallOptions;
  /**
   * Agents this one may hand the conversation to (offered to the model as `transfer_to_<name>`).
   * The receiving agent continues with its own system prompt, tools and policy, and keeps the
   * conversation in later runs until it hands it on. Names are resolved through `agents`.
   */
  handoffs?: AgentRef[];
  /** Finds agents named in `handoffs` and in `agentTool(name, ...)`, at run time (AgentService passes its registry). */
  agents?: (name: string) => TeamMember | undefined;
  /** How deep agents called as tools may nest below the agent a run starts with; @default 3 */
  maxAgentDepth?: number;
  /** The model's context window: history that does not fit is left out, oldest first (tool calls with their results); @default the window from CONTEXT_WINDOWS by model id */
  context?: ContextOptions;
  /** Checks on the message (before or beside the first model call), the reply (before it is returned or stored) and tool results; a tripwire ends the run `blocked`. */
  guardrails?: GuardrailOptions;
}

/** A per-run spending limit in USD, priced from the agent's `pricingTable`. */
export interface CostBudget {
  /** The most one run may spend. */
  usd: number;
  /** `halt` ends the run at the next step boundary with status `budget_exceeded`; `warn` only emits `budget.exceeded`; @default 'halt' */
  onExceed?: 'warn' | 'halt';
}

/** Semantic recall: related earlier messages of the same tenant and principal join the prompt. */
export interface RecallOptions {
  /** Embeds the run's message to search memory with (the store must be searchable). */
  embedder: Embedder;
  /** How many related messages at most; @default 3 */
  k?: number;
  /** The least similarity a message needs to be recalled; @default 0.3 */
  minScore?: number;
}

/** One run of an agent: the user's message, who sends it, and this run's overrides. */
export interface RunInput {
  /** The user's message. */
  message: string;
  /** Tenant, principal and conversation: what memory, the ledger and the policies key on; @default { conversationId: '_global' } (prototypes only) */
  identity?: MemoryIdentity;
  /** Aborts the run (model calls and tools in flight are cancelled); it then rejects with RunAbortedError. */
  signal?: AbortSignal;
  /** Reuse an id (a queued job's): retries of the same run then share one memory write; @default a new UUID */
  runId?: string;
  /** Stream model replies (when the provider can), emitting `llm.delta` events as text arrives; @default false */
  stream?: boolean;
  /** The caller's roles, for the tool policy. */
  roles?: string[];
  /** The reply must be JSON valid against this schema (JSON Schema or zod); @default the agent's `output.schema` */
  outputSchema?: OutputSchema;
  /** Recorders for this run only (a per-request narrative, a stream), besides the attached ones. */
  recorders?: Recorder[];
  /** Tools for this run only, besides the agent's own (an MCP server's tools as listed now). */
  tools?: RunTools;
  /** This run's stop conditions, in place of the agent's `stopWhen` (the agent's `maxIterations` still applies when set). */
  stopWhen?: StopCondition | StopCondition[];
  /** This run's `prepareStep`, in place of the agent's. */
  prepareStep?: PrepareStepFunction;
  /** Called after each step of this run, after the agent's own `onStepFinish`. */
  onStepFinish?: StepFinishCallback;
  /** The caller has just made up this conversation's id, so it has no history: the run loads none (a memory round trip fewer); @default false */
  newConversation?: boolean;
}

/** How a paused run is resumed from its checkpoint (see `Agent.resume`). */
export interface ResumeOptions {
  /** The caller resuming; when given, it must be the tenant and principal that paused. Its roles apply to the tool policy. */
  identity?: {
    /** Must be the tenant that paused. */
    tenant?: string;
    /** Must be the principal that paused. */
    principal?: string;
    /** The caller's roles, for the tool policy. */
    roles?: string[];
  };
  /** As for `run` */
  signal?: AbortSignal;
  /** As for `run`; @default false */
  stream?: boolean;
  /** As for `run`; @default the agent's `output.schema` */
  outputSchema?: OutputSchema;
  /** Names this resume attempt: the same key may resume the same checkpoint again (a retried job); @default a new one, so a checkpoint resumes once */
  attemptKey?: string;
  /** As for `run` */
  recorders?: Recorder[];
  /** As for `run` */
  tools?: RunTools;
}

/** How a tool call waiting for approval is decided. */
export interface ApprovalDecision {
  /** `deny` lets the model see the refusal (with `reason`) and carry on without the tool. */
  decision: 'approve' | 'deny';
  /** Shown to the model with a denial. */
  reason?: string;
}

/** How a tool call waiting for approval is decided and the run resumed (see `Agent.decide`); the rest as for resume. */
export interface DecideOptions extends Omit<ResumeOptions, 'identity'> {
  /** Who decides: same tenant as the caller who asked, one of the approver roles, and not that caller unless self-approval is allowed. */
  approver: Approver;
}

interface ResultBase {
  /** The run's id (the one given in `RunInput.runId`, or a new UUID). */
  runId: string;
  /** The agent that answered (or paused): the one the run started with unless it handed the conversation on (the same name in run records and HTTP). */
  answeredBy: string;
  /** The conversation the run wrote to. */
  conversationId: string;
  /** Tokens used by all model calls of the run. */
  usage: Usage;
  /** What those calls cost, from the `pricingTable` (0 without one). */
  costUsd: number;
  /** Model calls made by this run (a resumed run counts those before the pause too). */
  iterations: number;
  /** With a NarrativeRecorder among the run's recorders (attached or the run's own): its lines for this run, or for this resume of it. */
  narrative?: string[];
}

/** The run finished with a reply, stored in memory. */
export interface CompletedResult extends ResultBase {
  /** The run replied. */
  status: 'completed';
  /** The reply: the final call's text (after output guardrails), or a structured output's JSON. */
  text: string;
  /** Why the model stopped on the call that gave the reply. */
  finishReason: FinishReason;
  /** True when a stop condition (`maxIterations` by default) ended the tool calls and the reply came from the final call without tools. */
  stoppedEarly: boolean;
  /** With an output schema: the validated value (then `text` is its JSON) and the tier that served it. */
  output?: unknown;
  /** Which tier served `output`: the model's reply, its repair, `fallback` or `canned`. */
  outputTier?: OutputTier;
}

/** The run paused (a tool asked a human, or a tool call awaits approval): resume it later from `checkpoint`. */
export interface PausedResult extends ResultBase {
  /** The run waits for an answer or an approval. */
  status: 'paused';
  /** Signed state to resume from; keep it with the caller, it holds the conversation so far. */
  checkpoint: Checkpoint;
  /** What the pausing tool gave to show the human (an ApprovalPauseData for approvals). */
  pauseData: unknown;
}

/** The run's `costBudget` was spent with the model still wanting tools: it stopped there. Nothing is written to memory. */
export interface BudgetExceededResult extends ResultBase {
  /** The run's cost budget stopped it. */
  status: 'budget_exceeded';
  /** Whatever text the last model call gave with its tool request. */
  text: string;
  /** The budget that was spent (`costBudget.usd`). */
  limitUsd: number;
}

/**
 * A guardrail tripped: the run stopped there (a model call in flight was cancelled) and, unless `storeBlocked`, nothing of it was stored.
 * @inline
 */
export interface BlockedResult extends ResultBase {
  /** A guardrail stopped it. */
  status: 'blocked';
  /** The name of the guardrail that tripped. */
  guardrail: string;
  /** Where it tripped: the input, a tool result or the output. */
  stage: GuardrailStage;
  /** The guardrail's reason (for logs; not meant for the end user). */
  reason: string;
}

/** How a run ended; switch on `status`. */
export type RunResult = CompletedResult | PausedResult | BudgetExceededResult | BlockedResult;

/** Narrows a result to a paused one, whose `checkpoint` the caller keeps to resume. */
export function isPaused(result: RunResult): result is PausedResult {
  return result.status === 'paused';
}
