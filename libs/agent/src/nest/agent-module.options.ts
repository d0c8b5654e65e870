import type { LLMProvider } from '@agentnest/providers';
import type { MemoryStore } from '@agentnest/memory';
import type { CostBudget } from '../agent.types.js';
import type { CostLedger } from '../cost/cost-ledger.js';
import type { PricingTable } from '../cost/pricing.js';
import type { Recorder } from '../events/agent-event.js';
import type { ToolPolicy } from '../policy/tool-policy.js';
import type { McpToolSource } from '../mcp/mcp-tool-source.js';
import type { Tool } from '../tools/tool.js';

/** One registered agent. A fresh `Agent` is built from it for every run. */
export interface AgentDefinition {
  provider: LLMProvider;
  model: string;
  description?: string;
  system?: string;
  /** Tool objects, or names of `@AgentTool` methods discovered at boot. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tools?: Array<Tool<any> | string>;
  /** @default 10 */
  maxIterations?: number;
  /** @default 50 */
  historyLimit?: number;
  maxTokens?: number;
  temperature?: number;
  pricingTable?: PricingTable;
  /** A spending limit per run of this agent; needs a price for its model. */
  costBudget?: CostBudget;
  /** Who may call which of this agent's tools. */
  policy?: ToolPolicy;
  /** Names of `mcpServers` whose tools this agent gets (as `<server>__<tool>`). */
  mcp?: string[];
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
  /** MCP servers (`mcpClient(...)`, `mockMcpClient(...)`), connected at boot and closed on shutdown; agents name them in `mcp`. */
  mcpServers?: McpToolSource[];
  /** Recorders attached to every run of every agent (OTel, logging). */
  recorders?: Recorder[];
  /** Per-tenant spend and usage across instances; with budgets, every agent needs a price for its model. */
  ledger?: CostLedger;
}
