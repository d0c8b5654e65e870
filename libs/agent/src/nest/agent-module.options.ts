import type { LLMProvider } from '@agentnest/providers';
import type { MemoryStore } from '@agentnest/memory';
import type { PricingTable } from '../pricing.js';
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
}
