import type { MemoryStore } from '@agentnest/memory';
import type { LLMProvider } from '@agentnest/providers';
import { Agent } from '../agent.js';
import { AgentConfigError } from '../errors/agent.errors.js';
import type { CheckpointLedger } from '../checkpoint/checkpoint-ledger.js';
import type { GuardrailOptions } from '../guardrails/guardrail.js';
import type { AgentAccess } from '../policy/agent-access.js';
import { agentTool } from '../team/team-tool.js';
import type { Tool } from '../tools/tool.js';
import type { AgentDefinition } from './agent-definition.js';
import type { AgentModuleOptions } from './agent-module.options.js';
import type { McpServers } from './mcp-servers.js';

const AGENT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** A definition with the module's defaults applied. */
export type ResolvedDefinition = AgentDefinition & { provider: LLMProvider; model: string };

/** A registered agent, built once at boot, and the definition it was built from. */
export interface Registered {
  agent: Agent;
  definition: ResolvedDefinition;
}

/** What every agent of the module shares. */
export interface AgentBuildContext {
  options: AgentModuleOptions;
  memory: MemoryStore;
  checkpoints: CheckpointLedger;
  access?: AgentAccess;
  mcp: McpServers;
  /** `@AgentTool` methods found at boot, by name. */
  discovered: ReadonlyMap<string, Tool>;
  /** Finds a registered agent by name at run time (handoffs, agent tools). */
  lookup: (name: string) => Agent | undefined;
}

/** Builds every agent from its definition; names resolve against `definitions` (the whole registry). */
export function buildAgents(definitions: Readonly<Record<string, AgentDefinition>>, ctx: AgentBuildContext): Map<string, Registered> {
  const built = new Map<string, Registered>();
  for (const [name, raw] of Object.entries(definitions)) {
    if (!AGENT_NAME.test(name)) throw new AgentConfigError(`agent name "${name}" must match ${AGENT_NAME}`);
    const definition = withDefaults(name, raw, ctx.options);
    for (const server of definition.mcp ?? []) if (!ctx.mcp.has(server)) throw new AgentConfigError(`agent "${name}" names MCP server "${server}", which is not in mcpServers`);
    if (ctx.options.ledger?.budgeted && !definition.pricingTable?.[definition.model]) {
      throw new AgentConfigError(`agent "${name}": tenant budgets need a pricingTable with a price for model "${definition.model}"`);
    }
    const tools = [...namedTools(name, definition, ctx.discovered), ...agentTools(name, definition, definitions)];
    built.set(name, { agent: build(name, definition, tools, ctx), definition });
  }
  return built;
}

/** The module's `provider` and `model` for a definition that names none. */
function withDefaults(name: string, d: AgentDefinition, options: AgentModuleOptions): ResolvedDefinition {
  const provider = d.provider ?? options.provider;
  const model = d.model ?? options.model;
  if (!provider) throw new AgentConfigError(`agent "${name}" has no provider, and AgentModule gives none`);
  if (model === undefined) throw new AgentConfigError(`agent "${name}" has no model, and AgentModule gives none`);
  return { ...d, provider, model };
}

/** Tool objects as given; names are `@AgentTool` methods found at boot. */
function namedTools(name: string, d: AgentDefinition, discovered: ReadonlyMap<string, Tool>): Tool[] {
  return (d.tools ?? []).map((t) => {
    if (typeof t !== 'string') return t as Tool;
    const found = discovered.get(t);
    if (!found) throw new AgentConfigError(`agent "${name}" names tool "${t}", which no @AgentTool method provides`);
    return found;
  });
}

/** The registered agents a definition calls as tools, checked by name against the registry. */
function agentTools(name: string, d: AgentDefinition, agents: Readonly<Record<string, AgentDefinition>>): Tool[] {
  for (const target of d.handoffs ?? []) {
    if (typeof target !== 'string' || !Object.hasOwn(agents, target)) throw new AgentConfigError(`agent "${name}" hands off to "${String(target)}", which is not a registered agent`);
  }
  return (d.agentTools ?? []).map((entry) => {
    const spec = typeof entry === 'string' ? { agent: entry } : entry;
    if (typeof spec?.agent !== 'string' || !Object.hasOwn(agents, spec.agent)) throw new AgentConfigError(`agent "${name}" calls agent "${String(spec?.agent)}" as a tool, which is not a registered agent`);
    return agentTool(spec.agent, { name: spec.name, description: spec.description ?? agents[spec.agent].description ?? `The ${spec.agent} agent`, history: spec.history });
  });
}

/** The module's guardrails first, then the agent's own, stage by stage. */
function withModuleGuardrails(module: GuardrailOptions | undefined, own: GuardrailOptions | undefined): GuardrailOptions | undefined {
  if (!module || !own) return module ?? own;
  return { input: [...(module.input ?? []), ...(own.input ?? [])], output: [...(module.output ?? []), ...(own.output ?? [])], tool: [...(module.tool ?? []), ...(own.tool ?? [])], storeBlocked: own.storeBlocked ?? module.storeBlocked };
}

/**
 * Builds one agent: the definition's own `Agent.create` options pass through as they are (an option
 * the core gains reaches the agent with no change here); the module supplies the rest.
 */
function build(name: string, d: ResolvedDefinition, tools: Tool[], ctx: AgentBuildContext): Agent {
  // Registry-only fields: resolved above into `tools`, or read per run (`mcp`).
  const { tools: _named, mcp: _mcp, agentTools: _agentTools, guardrails, ...own } = d;
  const { options } = ctx;
  const agent = Agent.create({
    ...own,
    name,
    tools,
    memory: ctx.memory,
    ledger: options.ledger,
    requireTenant: options.requireTenant,
    checkpointSecret: options.checkpointSecret,
    checkpointLedger: ctx.checkpoints,
    checkpointTtlMs: options.checkpointTtlMs,
    approvalTtlMs: options.approvalTtlMs,
    agents: ctx.lookup,
    maxAgentDepth: options.maxAgentDepth,
    guardrails: withModuleGuardrails(options.guardrails, guardrails),
    access: ctx.access,
  });
  for (const r of options.recorders ?? []) agent.attach(r);
  return agent;
}
