import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InMemoryStore, validateIdentity, type MemoryIdentity, type MemoryMessage, type MemoryStore } from '@agentnest/memory';
import { MEMORY_STORE } from '@agentnest/memory/nest';
import type { Agent } from '../agent.js';
import { checkTeam, subConversationIds } from '../team/team-graph.js';
import { summaryConversationId } from '../run/summary.js';
import { AgentConfigError, AgentError, TenantRequiredError, UnknownAgentError } from '../errors/agent.errors.js';
import type { ApprovalDecision, DecideOptions, RunResult } from '../run/agent.types.js';
import { assertCheckpointSecret } from '../checkpoint/checkpoint.js';
import { InMemoryCheckpointLedger, type CheckpointLedger } from '../checkpoint/checkpoint-ledger.js';
import type { UsageRow } from '../cost/cost-ledger.js';
import { isZod } from '../output/output-schema.js';
import { compileUntrustedSchemaInTurn } from '../output/schema-turns.js';
import type { McpServerStatus } from '../mcp/mcp-server-status.js';
import type { Tool } from '../tools/tool.js';
import { AgentAccess } from '../policy/agent-access.js';
import { subjectOf } from '../policy/tool-policy.js';
import type { AgentModuleOptions } from './agent-module.options.js';
import { AGENT_MODULE_OPTIONS } from './agent.module-definition.js';
import { AgentToolExplorer } from './agent-tool.explorer.js';
import { AgentFeatureExplorer } from './agent-feature.explorer.js';
import { buildAgents, type Registered } from './agent-builder.js';
import { McpServers } from './mcp-servers.js';
import type { AgentCallOptions, AgentContinueOptions, AgentRunInput, AgentSummary, Eraser, ErasureReport } from './agent-service.types.js';
import { TenantContext } from '../context/tenant-context.js';
import type { RequestIdentity } from '../context/request-identity.js';
import { promised } from '../common/promised.js';

/** Runs registered agents by name as the caller in the request context (or the identity given). */
@Injectable()
export class AgentService implements OnModuleInit, OnApplicationShutdown {
  private agents = new Map<string, Registered>();
  private readonly mcp = new McpServers();
  private readonly erasers: Eraser[] = [];
  private readonly checkpoints: CheckpointLedger;
  private readonly access?: AgentAccess;
  private readonly memory: MemoryStore;

  /** @internal Nest builds the service: inject it. */
  constructor(
    @Inject(AGENT_MODULE_OPTIONS) private readonly options: AgentModuleOptions,
    private readonly tools: AgentToolExplorer,
    private readonly features: AgentFeatureExplorer,
    private readonly tenant: TenantContext,
    // The app's store (MemoryModule's, global or imported through forRootAsync's `imports`), when there is one.
    @Optional() @Inject(MEMORY_STORE) appMemory?: MemoryStore,
  ) {
    this.memory = options.memory ?? appMemory ?? new InMemoryStore();
    this.checkpoints = options.checkpointLedger ?? new InMemoryCheckpointLedger();
    if (options.access) this.access = new AgentAccess(options.access);
  }

  /** Lets another module (the jobs module) erase its copies of a caller's data with every erasure. */
  registerEraser(eraser: Eraser): void {
    this.erasers.push(eraser);
  }

  /** Connects the MCP servers, builds every registered agent and checks the team (unknown names, cycles, depth): a bad setup fails the boot. */
  async onModuleInit(): Promise<void> {
    const { agents: root = {}, checkpointSecret } = this.options;
    await this.mcp.connect(this.options.mcpServers ?? []);
    if (typeof root !== 'object' || root === null) throw new AgentConfigError('AgentModule needs at least one agent');
    const agents = this.features.explore(root);
    if (Object.keys(agents).length === 0) throw new AgentConfigError('AgentModule needs at least one agent (in forRoot or forFeature)');
    if (checkpointSecret !== undefined) assertCheckpointSecret(checkpointSecret);
    const context = { options: this.options, memory: this.memory, checkpoints: this.checkpoints, access: this.access, mcp: this.mcp, discovered: this.tools.explore() };
    this.agents = buildAgents(agents, { ...context, lookup: (other) => this.agents.get(other)?.agent });
    // Names resolve now that every agent is built: unknown names, cycles of agent tools, too deep.
    checkTeam(this.allAgents());
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
      tools: agent.allowedTools(subject, this.mcp.tools(d.mcp)).map(({ name: toolName, description, inputSchema }) => ({ name: toolName, description, inputSchema })),
      handoffs: (d.handoffs ?? []).filter(callable),
    }));
  }

  /** Each agent of a run gets its own MCP tools (a handoff or a sub-agent included), as the servers list them now. */
  private readonly runTools = (name: string): Tool[] | undefined => {
    const found = this.agents.get(name);
    return found ? this.mcp.tools(found.definition.mcp) : undefined;
  };

  /** Closes the MCP servers. */
  async onApplicationShutdown(): Promise<void> {
    await this.mcp.close();
  }

  /** Each MCP server's connection state, for `/health` and the metrics (a source without `status` counts as connected). */
  mcpStatus(): McpServerStatus[] {
    return this.mcp.status();
  }

  /** How many agents are registered. */
  get size(): number {
    return this.agents.size;
  }

  /** Whether an agent of that name is registered (whoever the caller; see mayCall). */
  has(name: string): boolean {
    return this.agents.has(name);
  }

  /** True when the agent is registered and the caller (the request context's, or `identity`) may call it under `access`. */
  mayCall(name: string, identity?: RequestIdentity): boolean {
    return this.agents.has(name) && (!this.access || this.access.allows(name, { ...this.caller(identity), roles: this.roles(identity) }));
  }

  /** Runs a registered agent as the caller; an agent the caller may not call is UnknownAgentError, as if it did not exist. */
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
  async resume(name: string, checkpoint: unknown, answer: unknown, opts: AgentCallOptions & AgentContinueOptions = {}): Promise<RunResult> {
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
  async decide(name: string, checkpoint: unknown, decision: ApprovalDecision, opts: Omit<AgentCallOptions, 'identity'> & AgentContinueOptions & { approver: DecideOptions['approver'] }): Promise<RunResult> {
    const { agent } = this.registered(name);
    return agent.decide(checkpoint, decision, { approver: opts.approver, signal: opts.signal, stream: opts.stream, attemptKey: opts.attemptKey, outputSchema: opts.outputSchema, recorders: opts.recorders, tools: this.runTools });
  }

  /** Throws unless the caller may continue this paused run now: the agent, and every agent its checkpoint would run, within their reach (see Agent.checkContinuation). */
  checkContinuation(name: string, checkpoint: unknown, identity: RequestIdentity): void {
    if (!this.mayCall(name, identity)) throw new UnknownAgentError(name);
    this.registered(name).agent.checkContinuation(checkpoint, subjectOf(identity, this.roles(identity)));
  }

  /** A person's answer to a pause through the agent's input guardrails; GuardrailTrippedError when one trips (see Agent.screenAnswer). */
  async screenAnswer(name: string, answer: unknown, identity: MemoryIdentity, roles?: readonly string[]): Promise<string> {
    return (await this.registered(name).agent.screenAnswer(answer, identity, roles)).text;
  }

  /** An approver's reason, through the agent's input guardrails, before it is recorded (see Agent.screenApprovalReason). */
  screenApprovalReason(name: string, reason: string, approver: MemoryIdentity, roles?: readonly string[]): Promise<string> {
    return this.registered(name).agent.screenApprovalReason(reason, approver, roles);
  }

  /** Settles a call whose approval expired undecided, as denied; the run continues as the caller who asked (see Agent.expire). */
  async expire(name: string, checkpoint: unknown, opts: Omit<AgentCallOptions, 'identity'> & AgentContinueOptions = {}): Promise<RunResult> {
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


}
