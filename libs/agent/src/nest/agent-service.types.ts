import type { Recorder } from '../events/agent-event.js';
import type { OutputSchema } from '../output/output-schema.js';
import type { RequestIdentity } from '../context/request-identity.js';

/** Options of every AgentService call that runs an agent. */
export interface AgentCallOptions {
  /** The caller; @default the identity in the request context */
  identity?: RequestIdentity;
  /** Aborts the run (pass `requestSignal(res)` to stop when the client goes away). */
  signal?: AbortSignal;
  /** Extra recorders for this call only (a per-request narrative, a stream). */
  recorders?: Recorder[];
  /** Stream model replies so recorders see `llm.delta` text as it arrives; @default false */
  stream?: boolean;
}

/** A run of a registered agent through AgentService: the message, the conversation it continues, and the call's options. */
export interface AgentRunInput extends AgentCallOptions {
  /** The user's message. */
  message: string;
  /** The conversation to continue; @default a new random conversation id */
  conversationId?: string;
  /** The caller has just made up `conversationId` (a queued run's first turn): no history is loaded; @default true without a conversationId */
  newConversation?: boolean;
  /** Reuse an id (a queued job's), so retries share one memory write; @default a new UUID */
  runId?: string;
  /** Structured output: the reply must match this JSON Schema (or zod schema). */
  outputSchema?: OutputSchema;
}

/** Options of `resume`, `decide` and `expire` beside the call's own. */
export interface AgentContinueOptions {
  /** Names this attempt: the same key may continue the same checkpoint again (a retried job). */
  attemptKey?: string;
  /** As for `run`. */
  outputSchema?: OutputSchema;
}

/** A registered agent as `list()` shows it to one caller (for a UI or a `GET /agents`). */
export interface AgentSummary {
  /** The name to run it by. */
  name: string;
  /** What the agent is for. */
  description?: string;
  /** Its model id. */
  model: string;
  /** Its provider's name. */
  provider: string;
  /** Only the tools this caller may use under the agent's policy. */
  tools: Array<{ name: string; description: string; inputSchema: Record<string, unknown> }>;
  /** Agents it may hand the conversation to. */
  handoffs: string[];
}

/** What an erasure removed. */
export interface ErasureReport {
  /** Conversations deleted from memory, when a whole principal was erased. */
  conversationsRemoved?: number;
  /** Queued runs deleted with their replies, event streams, job payloads, checkpoints and idempotency records. */
  runsRemoved: number;
  /** Every checkpoint issued before now for the scope can no longer be resumed. */
  checkpointsRevoked: true;
}

/** Erases what another module keeps of a caller (queued runs); returns how many runs it removed. */
export type Eraser = (owner: RequestIdentity, scope: { conversationId?: string }) => Promise<number>;
