import type { LLMProvider } from '@agentnest/providers';
import type { AgentOptions } from '../run/agent.types.js';
import type { Tool } from '../tools/tool.js';

/**
 * What the module supplies to every agent it builds (the shared memory, ledgers, checkpoint
 * settings, access policy and the registry that resolves names), so a definition cannot set them.
 */
type ModuleSupplied = 'name' | 'memory' | 'ledger' | 'requireTenant' | 'checkpointSecret' | 'checkpointLedger' | 'checkpointTtlMs' | 'approvalTtlMs' | 'agents' | 'maxAgentDepth' | 'access';

/**
 * One registered agent: `Agent.create`'s own options (same meaning and defaults, every option the
 * core gains included) minus what the module supplies, with tools by object or name, MCP servers by
 * name and other agents by name. `provider` and `model` fall back to the module's.
 */
export interface AgentDefinition extends Omit<AgentOptions, ModuleSupplied | 'provider' | 'model' | 'tools' | 'handoffs'> {
  /** @default the module's `provider` */
  provider?: LLMProvider;
  /** @default the module's `model` */
  model?: string;
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
  /** The registered agent's name. */
  agent: string;
  /** @default the agent's name */
  name?: string;
  /** @default the agent's `description` */
  description?: string;
  /** @default 'own' */
  history?: 'own' | 'parent';
}
