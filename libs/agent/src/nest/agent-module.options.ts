import type { MemoryStore } from '@agentnest/memory';
import type { AgentOptions } from '../run/agent.types.js';
import type { CheckpointLedger } from '../checkpoint/checkpoint-ledger.js';
import type { CostLedger } from '../cost/cost-ledger.js';
import type { Recorder } from '../events/agent-event.js';
import type { McpToolSource } from '../mcp/mcp-tool-source.js';
import type { Tool } from '../tools/tool.js';
import type { GuardrailOptions } from '../guardrails/guardrail.js';
import type { AgentAccessPolicy } from '../policy/agent-access.js';

/** One registered agent: the `Agent.create` options it shares (same meaning and defaults), tools by object or name, MCP servers by name. A fresh `Agent` is built from it for every run. */
export interface AgentDefinition
  extends Pick<AgentOptions, 'provider' | 'model' | 'system' | 'maxIterations' | 'historyLimit' | 'maxTokens' | 'temperature' | 'pricingTable' | 'costBudget' | 'policy' | 'output' | 'guardrails' | 'context'> {
  description?: string;
  /** Tool objects, or names of `@AgentTool` methods discovered at boot. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tools?: Array<Tool<any> | string>;
  /** Names of `mcpServers` whose tools this agent gets (as `<server>__<tool>`). */
  mcp?: string[];
  /** Registered agents this one may call as tools: by name (the tool is named after the agent and described by its `description`), or with options. */
  agentTools?: Array<string | RegisteredAgentTool>;
  /** Registered agents this one may hand the conversation to (offered to the model as `transfer_to_<name>`). */
  handoffs?: string[];
}

/** A registered agent called as a tool, with options (see `agentTool`). */
export interface RegisteredAgentTool {
  agent: string;
  /** @default the agent's name */
  name?: string;
  /** @default the agent's `description` */
  description?: string;
  /** @default 'own' */
  history?: 'own' | 'parent';
}

export interface AgentModuleOptions {
  /** Agents by name; names appear in URLs, so letters, digits, '-' and '_' only. */
  agents: Record<string, AgentDefinition>;
  /** @default a new InMemoryStore */
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
