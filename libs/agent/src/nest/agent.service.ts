import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { validateIdentity, type MemoryIdentity, type MemoryMessage, type MemoryStore } from '@agentnest/memory';
import { Agent } from '../agent.js';
import { agentTool } from '../team/team-tool.js';
import { checkTeam, subConversationIds } from '../team/team-graph.js';
import { summaryConversationId } from '../run/summary.js';
import { AgentConfigError, AgentError, TenantRequiredError, UnknownAgentError } from '../errors/agent.errors.js';
import type { ApprovalDecision, DecideOptions, RunResult } from '../run/agent.types.js';
import { assertCheckpointSecret } from '../checkpoint/checkpoint.js';
import { InMemoryCheckpointLedger, type CheckpointLedger } from '../checkpoint/checkpoint-ledger.js';
import type { UsageRow } from '../cost/cost-ledger.js';
import { isZod, type OutputSchema } from '../output/output-schema.js';
import { compileUntrustedSchemaInTurn } from '../output/schema-turns.js';
import type { McpToolSource } from '../mcp/mcp-tool-source.js';
import type { McpServerStatus } from '../mcp/mcp-server-status.js';
import type { Recorder } from '../events/agent-event.js';
import type { Tool } from '../tools/tool.js';
import type { GuardrailOptions } from '../guardrails/guardrail.js';
import { AgentAccess } from '../policy/agent-access.js';
import { subjectOf } from '../policy/tool-policy.js';
import { AGENT_MEMORY_STORE } from './agent.constants.js';
import type { AgentDefinition, AgentModuleOptions } from './agent-module.options.js';
import { AGENT_MODULE_OPTIONS } from './agent.module-definition.js';
import { AgentToolExplorer } from './agent-tool.explorer.js';
import { TenantContext } from '../context/tenant-context.js';
import type { RequestIdentity } from '../context/request-identity.js';
import { promised } from '../common/promised.js';

const AGENT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** The module's guardrails first, then the agent's own, stage by stage. */
function withModuleGuardrails(module: GuardrailOptions | undefined, own: GuardrailOptions | undefined): GuardrailOptions | undefined {
  if (!module || !own) return module ?? own;
  return { input: [...(module.input ?? []), ...(own.input ?? [])], output: [...(module.output ?? []), ...(own.output ?? [])], tool: [...(module.tool ?? []), ...(own.tool ?? [])], storeBlocked: own.storeBlocked ?? module.storeBlocked };
}

export interface AgentCallOptions {
  /** The caller; @default the identity in the request context */
  identity?: RequestIdentity;
  signal?: AbortSignal;
  /** Extra recorders for this call only (a per-request narrative, a stream). */
  recorders?: Recorder[];
  /** Stream model replies so recorders see `llm.delta` text as it arrives; @default false */
  stream?: boolean;
}

export interface AgentRunInput extends AgentCallOptions {
  message: string;
  /** @default a new random conversation id */
  conversationId?: string;
  /** The caller has just made up `conversationId` (a queued run's first turn): no history is loaded; @default true without a conversationId */
  newConversation?: boolean;
  /** @default a new UUID */
  runId?: string;
  /** Structured output: the reply must match this JSON Schema (or zod schema). */
  outputSchema?: OutputSchema;
}

export interface AgentSummary {
  name: string;
  description?: string;
  model: string;
  provider: string;
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

/** A registered agent, built once at boot, and the MCP servers whose tools each run adds. */
interface Registered {
  agent: Agent;
  definition: AgentDefinition;
}

/** Runs registered agents by name as the caller in the request context (or the identity given). */
@Injectable()
export class AgentService implements OnModuleInit, OnApplicationShutdown {
  private readonly agents = new Map<string, Registered>();
  private readonly mcp = new Map<string, McpToolSource>();
  private readonly erasers: Eraser[] = [];
  private readonly checkpoints: CheckpointLedger;
  private readonly access?: AgentAccess;

  constructor(
    @Inject(AGENT_MODULE_OPTIONS) private readonly options: AgentModuleOptions,
    @Inject(AGENT_MEMORY_STORE) private readonly memory: MemoryStore,
    private readonly explorer: AgentToolExplorer,
    private readonly tenant: TenantContext,
  ) {
    this.checkpoints = options.checkpointLedger ?? new InMemoryCheckpointLedger();
    if (options.access) this.access = new AgentAccess(options.access);
  }

  /** Lets another module (the jobs module) erase its copies of a caller's data with every erasure. */
  registerEraser(eraser: Eraser): void {
    this.erasers.push(eraser);
  }

  async onModuleInit(): Promise<void> {
    const { agents, checkpointSecret } = this.options;
    await this.connectMcp();
    if (!agents || typeof agents !== 'object' || Object.keys(agents).length === 0) throw new AgentConfigError('AgentModule needs at least one agent');
    if (checkpointSecret !== undefined) assertCheckpointSecret(checkpointSecret);
    const discovered = this.explorer.explore();
    for (const [name, definition] of Object.entries(agents)) {
      if (!AGENT_NAME.test(name)) throw new AgentConfigError(`agent name "${name}" must match ${AGENT_NAME}`);
      const tools = (definition.tools ?? []).map((t) => {
        if (typeof t !== 'string') return t as Tool;
        const found = discovered.get(t);
        if (!found) throw new AgentConfigError(`agent "${name}" names tool "${t}", which no @AgentTool method provides`);
        return found;
      });
      for (const server of definition.mcp ?? []) if (!this.mcp.has(server)) throw new AgentConfigError(`agent "${name}" names MCP server "${server}", which is not in mcpServers`);
      if (this.options.ledger?.budgeted && !definition.pricingTable?.[definition.model]) {
        throw new AgentConfigError(`agent "${name}": tenant budgets need a pricingTable with a price for model "${definition.model}"`);
      }
      tools.push(...this.agentTools(name, definition));
      this.agents.set(name, { agent: this.build(name, definition, tools), definition });
    }
    // Names resolve now that every agent is built: unknown names, cycles of agent tools, too deep.
    checkTeam(this.allAgents());
  }

  /** The registered agents a definition calls as tools, checked by name against the module's agents. */
  private agentTools(name: string, d: AgentDefinition): Tool[] {
    const { agents } = this.options;
    for (const target of d.handoffs ?? []) {
      if (typeof target !== 'string' || !Object.hasOwn(agents, target)) throw new AgentConfigError(`agent "${name}" hands off to "${String(target)}", which is not a registered agent`);
    }
    return (d.agentTools ?? []).map((entry) => {
      const spec = typeof entry === 'string' ? { agent: entry } : entry;
      const target = agents[spec?.agent];
      if (typeof spec?.agent !== 'string' || !Object.hasOwn(agents, spec.agent)) throw new AgentConfigError(`agent "${name}" calls agent "${String(spec?.agent)}" as a tool, which is not a registered agent`);
      return agentTool(spec.agent, { name: spec.name, description: spec.description ?? target.description ?? `The ${spec.agent} agent`, history: spec.history });
    });
  }

  /** The agents, each with only the tools the caller may use under its policy. */
  list(opts: { identity?: RequestIdentity } = {}): AgentSummary[] {
    const subject = { ...this.caller(opts.identity), roles: this.roles(opts.identity) };
    const callable = (name: string) => !this.access || this.access.allows(name, subject);
    return [...this.agents].filter(([name]) => callable(name)).map(([name, { agent, definition: d }]) => ({
      name,
      description: d.description,
      model: d.model,
      provider: d.provider.name,
      tools: agent.allowedTools(subject, this.mcpTools(d)).map(({ name: toolName, description, inputSchema }) => ({ name: toolName, description, inputSchema })),
      handoffs: (d.handoffs ?? []).filter(callable),
    }));
  }

  /** MCP tools are read per run: a server's tools/list_changed shows up in the next run. */
  private mcpTools(d: AgentDefinition): Tool[] {
    return (d.mcp ?? []).flatMap((server) => this.mcp.get(server)!.tools());
  }

  /** Each agent of a run gets its own MCP tools (a handoff or a sub-agent included). */
  private readonly runTools = (name: string): Tool[] | undefined => {
    const found = this.agents.get(name);
    return found ? this.mcpTools(found.definition) : undefined;
  };

  /** Connects every MCP server at boot; one that cannot connect fails boot (after closing the others). */
  private async connectMcp(): Promise<void> {
    for (const source of this.options.mcpServers ?? []) {
      if (this.mcp.has(source.name)) throw new AgentConfigError(`two MCP servers are named "${source.name}"`);
      this.mcp.set(source.name, source);
    }
    const results = await Promise.allSettled([...this.mcp.values()].map((s) => s.connect()));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      await this.onApplicationShutdown();
      // The cause by its code only: a spawn error's message carries the command line, a fetch error's the URL.
      const reason = (results[failed] as PromiseRejectedResult).reason as { code?: unknown; name?: unknown } | undefined;
      const code = typeof reason?.code === 'string' || typeof reason?.code === 'number' ? String(reason.code) : typeof reason?.name === 'string' ? reason.name : 'error';
      throw new AgentConfigError(`MCP server "${[...this.mcp.keys()][failed]}" could not connect (${code}): check its command or URL, and that it answers the MCP handshake`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.mcp.values()].map((s) => s.close()));
  }

  /** Each MCP server's connection state, for `/health` and the metrics (a source without `status` counts as connected). */
  mcpStatus(): McpServerStatus[] {
    return [...this.mcp.values()].map((s) => s.status?.() ?? { server: s.name, state: 'connected', reconnects: 0 });
  }

  /** How many agents are registered. */
  get size(): number {
    return this.agents.size;
  }

  has(name: string): boolean {
    return this.agents.has(name);
  }

  /** True when the agent is registered and the caller (the request context's, or `identity`) may call it under `access`. */
  mayCall(name: string, identity?: RequestIdentity): boolean {
    return this.agents.has(name) && (!this.access || this.access.allows(name, { ...this.caller(identity), roles: this.roles(identity) }));
  }

  run(name: string, input: AgentRunInput): Promise<RunResult> {
    return promised(() => {
      const caller = this.caller(input.identity);
      // One the caller may not call is, to them, one that does not exist.
      if (!this.mayCall(name, input.identity)) throw new UnknownAgentError(name);
      const { agent } = this.registered(name);
      const identity = { ...caller, conversationId: input.conversationId ?? randomUUID() };
      const start = () =>
        agent.run({
          message: input.message,
          identity,
          // A conversation started here has nothing to load yet.
          newConversation: input.conversationId === undefined || input.newConversation,
          signal: input.signal,
          runId: input.runId,
          stream: input.stream,
          roles: this.roles(input.identity),
          outputSchema: input.outputSchema,
          recorders: input.recorders,
          tools: this.runTools,
        });
      // A JSON Schema (from a request, say) compiles in turn with every other (see schema-turns); the run then finds it cached.
      const schema = input.outputSchema;
      return schema !== undefined && !isZod(schema) ? compileUntrustedSchemaInTurn(schema, caller.tenant).then(start) : start();
    });
  }

  /** Continues a paused run; the caller must be the tenant and principal that paused it. */
  async resume(name: string, checkpoint: unknown, answer: unknown, opts: AgentCallOptions & { attemptKey?: string; outputSchema?: OutputSchema } = {}): Promise<RunResult> {
    const caller = this.caller(opts.identity);
    if (!this.mayCall(name, opts.identity)) throw new UnknownAgentError(name);
    const { agent } = this.registered(name);
    return agent.resume(checkpoint, answer, {
      identity: { ...caller, roles: this.roles(opts.identity) },
      signal: opts.signal,
      stream: opts.stream,
      attemptKey: opts.attemptKey,
      outputSchema: opts.outputSchema,
      recorders: opts.recorders,
      tools: this.runTools,
    });
  }

  /** Decides a call that waits for an approval; the run continues as the caller who asked (see Agent.decide). */
  async decide(name: string, checkpoint: unknown, decision: ApprovalDecision, opts: Omit<AgentCallOptions, 'identity'> & { approver: DecideOptions['approver']; attemptKey?: string; outputSchema?: OutputSchema }): Promise<RunResult> {
    const { agent } = this.registered(name);
    return agent.decide(checkpoint, decision, { approver: opts.approver, signal: opts.signal, stream: opts.stream, attemptKey: opts.attemptKey, outputSchema: opts.outputSchema, recorders: opts.recorders, tools: this.runTools });
  }

  /** A person's answer to a pause through the agent's input guardrails; GuardrailTrippedError when one trips (see Agent.screenAnswer). */
  /** Throws unless the caller may continue this paused run now: the agent, and every agent its checkpoint would run, within their reach (see Agent.checkContinuation). */
  checkContinuation(name: string, checkpoint: unknown, identity: RequestIdentity): void {
    if (!this.mayCall(name, identity)) throw new UnknownAgentError(name);
    this.registered(name).agent.checkContinuation(checkpoint, subjectOf(identity, this.roles(identity)));
  }

  async screenAnswer(name: string, answer: unknown, identity: MemoryIdentity, roles?: readonly string[]): Promise<string> {
    return (await this.registered(name).agent.screenAnswer(answer, identity, roles)).text;
  }

  /** An approver's reason, through the agent's input guardrails, before it is recorded (see Agent.screenApprovalReason). */
  screenApprovalReason(name: string, reason: string, approver: MemoryIdentity, roles?: readonly string[]): Promise<string> {
    return this.registered(name).agent.screenApprovalReason(reason, approver, roles);
  }

  /** Settles a call whose approval expired undecided, as denied; the run continues as the caller who asked (see Agent.expire). */
  async expire(name: string, checkpoint: unknown, opts: Omit<AgentCallOptions, 'identity'> & { attemptKey?: string; outputSchema?: OutputSchema } = {}): Promise<RunResult> {
    const { agent } = this.registered(name);
    return agent.expire(checkpoint, { signal: opts.signal, stream: opts.stream, attemptKey: opts.attemptKey, outputSchema: opts.outputSchema, recorders: opts.recorders, tools: this.runTools });
  }

  /** A page of the caller's own messages of one conversation, oldest first (`offset` newest ones skipped). */
  async history(conversationId: string, opts: { limit?: number; offset?: number; identity?: RequestIdentity } = {}): Promise<MemoryMessage[]> {
    const caller = this.caller(opts.identity);
    return this.memory.load({ ...caller, conversationId }, { limit: opts.limit, offset: opts.offset });
  }

  /**
   * Erases one of the caller's conversations everywhere it went: its checkpoints are revoked first
   * (no resume can start after), then queued runs of it, then its messages.
   */
  async clearConversation(conversationId: string, opts: { identity?: RequestIdentity } = {}): Promise<ErasureReport> {
    const caller = this.caller(opts.identity);
    // Sub-agents called as tools kept their own conversations under this one: they go too.
    const conversations = [conversationId, ...subConversationIds(this.allAgents(), conversationId)];
    // Each with its summary, kept beside it.
    const scopes = conversations.flatMap((id) => [id, summaryConversationId(id)]).map((id) => validateIdentity({ ...caller, conversationId: id }));
    for (const scope of scopes) await this.checkpoints.revoke(scope);
    const runsRemoved = await this.erase(caller, { conversationId });
    for (const scope of scopes) await this.memory.clear(scope);
    return { runsRemoved, checkpointsRevoked: true };
  }

  /** The caller's tenant's usage by day, agent and model (days as YYYY-MM-DD, inclusive); empty without a ledger. */
  async usage(range: { from: string; to: string }, opts: { identity?: RequestIdentity } = {}): Promise<UsageRow[]> {
    const caller = this.caller(opts.identity);
    if (!this.options.ledger || caller.tenant === undefined) return [];
    return this.options.ledger.usage(caller.tenant, range);
  }

  /** Erases everything of the caller's principal within the caller's tenant: checkpoints, queued runs, conversations. */
  async forgetCaller(opts: { identity?: RequestIdentity } = {}): Promise<ErasureReport> {
    const caller = this.caller(opts.identity);
    if (!caller.principal) throw new AgentError('principal_required', 'forgetting memory needs a caller with a principal');
    await this.checkpoints.revoke({ tenant: caller.tenant, principal: caller.principal });
    const runsRemoved = await this.erase(caller, {});
    const conversationsRemoved = await this.memory.forgetPrincipal({ tenant: caller.tenant, principal: caller.principal });
    return { conversationsRemoved, runsRemoved, checkpointsRevoked: true };
  }

  private async erase(owner: RequestIdentity, scope: { conversationId?: string }): Promise<number> {
    let removed = 0;
    for (const eraser of this.erasers) removed += await eraser(owner, scope);
    return removed;
  }

  /** The caller's roles (for tool policies); kept apart from the identity, which keys memory. */
  private roles(explicit: RequestIdentity | undefined): string[] {
    return [...((explicit ?? this.tenant.get())?.roles ?? [])];
  }

  private caller(explicit: RequestIdentity | undefined): RequestIdentity {
    const from = explicit ?? this.tenant.get() ?? {};
    if (this.options.requireTenant && !from.tenant) throw new TenantRequiredError();
    const caller: RequestIdentity = {};
    if (from.tenant !== undefined) caller.tenant = from.tenant;
    if (from.principal !== undefined) caller.principal = from.principal;
    return caller;
  }

  private allAgents(): Agent[] {
    return [...this.agents.values()].map((r) => r.agent);
  }

  private registered(name: string): Registered {
    const found = this.agents.get(name);
    if (!found) throw new UnknownAgentError(name);
    return found;
  }

  /** Builds a registered agent once; the module's recorders are attached to all its runs. */
  private build(name: string, d: AgentDefinition, tools: Tool[]): Agent {
    const agent = Agent.create({
      name,
      description: d.description,
      provider: d.provider,
      model: d.model,
      system: d.system,
      tools,
      memory: this.memory,
      maxIterations: d.maxIterations,
      historyLimit: d.historyLimit,
      maxTokens: d.maxTokens,
      temperature: d.temperature,
      pricingTable: d.pricingTable,
      costBudget: d.costBudget,
      policy: d.policy,
      output: d.output,
      context: d.context,
      ledger: this.options.ledger,
      requireTenant: this.options.requireTenant,
      checkpointSecret: this.options.checkpointSecret,
      checkpointLedger: this.checkpoints,
      checkpointTtlMs: this.options.checkpointTtlMs,
      approvalTtlMs: this.options.approvalTtlMs,
      handoffs: d.handoffs,
      agents: (other) => this.agents.get(other)?.agent,
      maxAgentDepth: this.options.maxAgentDepth,
      guardrails: withModuleGuardrails(this.options.guardrails, d.guardrails),
      access: this.access,
    });
    for (const r of this.options.recorders ?? []) agent.attach(r);
    return agent;
  }
}
