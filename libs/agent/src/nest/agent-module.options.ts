import type { MemoryStore } from '@agentnest/memory';
import type { LLMProvider } from '@agentnest/providers';
import type { CheckpointLedger } from '../checkpoint/checkpoint-ledger.js';
import type { CostLedger } from '../cost/cost-ledger.js';
import type { Recorder } from '../events/agent-event.js';
import type { McpToolSource } from '../mcp/mcp-tool-source.js';
import type { AgentDefinition } from './agent-definition.js';
import type { GuardrailOptions } from '../guardrails/guardrail.js';
import type { AgentAccessPolicy } from '../policy/agent-access.js';

/** What `AgentModule.forRoot` is given: the agents, and the defaults and shared services they all use. */
export interface AgentModuleOptions {
  /** Agents by name; names appear in URLs, so letters, digits, '-' and '_' only. Feature modules add theirs with `AgentModule.forFeature`; @default none */
  agents?: Record<string, AgentDefinition>;
  /** The provider of every agent that names none (agents from `forFeature` included). */
  provider?: LLMProvider;
  /** The model of every agent that names none. */
  model?: string;
  /** Where conversations live; @default the app's `MEMORY_STORE` (MemoryModule, when global or imported through forRootAsync's `imports`), else a new InMemoryStore */
  memory?: MemoryStore;
  /** Refuse runs without a tenant before any I/O; @default false */
  requireTenant?: boolean;
  /** HMAC key for pause/resume checkpoints (at least 32 characters). */
  checkpointSecret?: string;
  /** Single use and revocation of checkpoints; use RedisCheckpointLedger when several instances resume; @default one in-memory ledger for this module */
  checkpointLedger?: CheckpointLedger;
  /** How long a checkpoint may be resumed (at most 30 days); @default 7 days */
  checkpointTtlMs?: number;
  /** How long a tool call waits for an approval before it counts as denied (at most the checkpoint TTL); @default 24 h */
  approvalTtlMs?: number;
  /** MCP servers (`mcpClient(...)`, `mockMcpClient(...)`), connected at boot and closed on shutdown; agents name them in `mcp`. */
  mcpServers?: McpToolSource[];
  /** Recorders attached to every run of every agent (OTel, logging). */
  recorders?: Recorder[];
  /** Per-tenant spend and usage across instances; with budgets, every agent needs a price for its model. */
  ledger?: CostLedger;
  /** How deep registered agents may call each other as tools; @default 3 */
  maxAgentDepth?: number;
  /** Guardrails of every agent, run before each agent's own (a guardrail sees the caller, so per-tenant rules are code in it). */
  guardrails?: GuardrailOptions;
  /**
   * Which agents a caller may call: directly (run, stream, queued runs, chat) and through another
   * agent's handoff or agent tool. An agent a caller may not call is, to that caller, an agent that
   * does not exist (`agent_not_found`, absent from list()); @default every agent, for everyone
   */
  access?: AgentAccessPolicy;
}
