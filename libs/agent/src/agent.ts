import { randomBytes, randomUUID } from 'node:crypto';
import { checkApprover, requestApproval, type ApprovalPauseData } from './checkpoint/approval.js';
import type { LLMMessage, LLMResponse, ToolCall, Usage } from '@agentnest/providers';
import { GLOBAL_CONVERSATION, validateIdentity, type MemoryIdentity } from '@agentnest/memory';
import { throwIfAborted } from './common/abort.js';
import { AgentConfigError, AgentError, CheckpointExpiredError, CheckpointIdentityError, CheckpointInvalidError, CheckpointRevokedError, CheckpointUsedError, TenantRequiredError, UnknownAgentError } from './errors/agent.errors.js';
import { DEFAULT_CHECKPOINT_TTL_MS, InMemoryCheckpointLedger, type CheckpointLedger } from './checkpoint/checkpoint-ledger.js';
import { type AgentOptions, type ApprovalDecision, type BlockedResult, type BudgetExceededResult, type CompletedResult, type DecideOptions, type OutputTier, type PausedResult, type ResumeOptions, type RunInput, type RunResult, type RunTools } from './run/agent.types.js';
import { compileOutputSchema, isZod, type CompiledOutputSchema, type OutputSchema } from './output/output-schema.js';
import { compileUntrustedSchema } from './output/untrusted-schema.js';
import { assertCheckpointSecret, signCheckpoint, verifyCheckpoint, type Checkpoint, type CheckpointBody } from './checkpoint/checkpoint.js';
import type { AgentEvent, AgentEventBody, Recorder } from './events/agent-event.js';
import { LoggingRecorder, type LoggingOptions } from './events/logging.recorder.js';
import { RecorderSet } from './events/recorder-set.js';
import { NarrativeRecorder } from './events/narrative.recorder.js';
import { narrated } from './run/narrated.js';
import { StatusRecorder, type StatusListener } from './events/status.recorder.js';
import { AgentAccess } from './policy/agent-access.js';
import { PolicyEngine, subjectOf, type PolicyDecision, type PolicySubject } from './policy/tool-policy.js';
import { executeToolCalls, type SubRunOutcome, type ToolResultMessage, type ToolTurnOutcome } from './run/tool-executor.js';
import type { Tool } from './tools/tool.js';
import { checkAgentOptions } from './agent-options.js';
import { addUsage, noUsage, usageSince } from './cost/pricing.js';
import { callModel, checkRunBudget, plannedDrop } from './run/model-call.js';
import { refreshSummary } from './run/summary.js';
import { GuardrailTripped, type GuardrailTrip } from './guardrails/guardrail.js';
import { screen } from './guardrails/screen.js';
import { prescreenAnswer, screenAnswer, screenReason, screenStage, type ScreenedAnswer } from './run/side-channels.js';
import { gatedCall, reparse, screenContext, screenMessage } from './run/run-guardrails.js';
import { describeToolWork } from './run/history-view.js';
import { TokenEstimator } from './run/context-window.js';
import { embedTurn, loadHistory, recall } from './run/run-memory.js';
import type { RunContext, RunState } from './run/run-state.js';
import { structuredOutput } from './run/output-tiers.js';
import { promised } from './common/promised.js';
import { DEFAULT_MAX_AGENT_DEPTH, subConversationId, subRunId, type RunLink } from './team/run-link.js';
import { HANDOFF_PREFIX, handoffTool, refName, teamSpec, type AgentRef, type AgentToolSpec, type HandoffSpec } from './team/team-tool.js';

const DEFAULT_MAX_ITERATIONS = 10;

/** What the model is told of a tool, made once per tool: every call sends the same objects (their sizes are counted once). */
const declarations = new WeakMap<Tool, { name: string; description: string; inputSchema: Tool['inputSchema'] }>();
const declaration = (tool: Tool) => {
  let d = declarations.get(tool);
  if (!d) declarations.set(tool, (d = { name: tool.name, description: tool.description, inputSchema: tool.inputSchema }));
  return d;
};

/** The tool calls of the checkpointed turn (its last message). */
const lastCalls = (body: CheckpointBody): ToolCall[] => {
  const last = body.turn.at(-1);
  return last?.role === 'assistant' ? (last.toolCalls ?? []) : [];
};

/** The checkpoint body of the agent that actually paused (a sub-agent's, when an agent tool paused). */
const innermost = (body: CheckpointBody): CheckpointBody => (body.pending.sub ? innermost(body.pending.sub) : body);

const asContent = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/** `text` with the placeholders of `restore` replaced by what they stand for. */
const restoreIn = (text: string, restore: Record<string, string> | undefined): string => {
  if (!restore) return text;
  let out = text;
  for (const [placeholder, original] of Object.entries(restore)) out = out.split(placeholder).join(original);
  return out;
};

/** A turn cut short, as history can keep it: an assistant message whose calls have no results loses its calls. */
const wellFormed = (turn: LLMMessage[]): LLMMessage[] => {
  const answered = new Set(turn.flatMap((m) => (m.role === 'tool' ? [m.toolCallId] : [])));
  return turn.map((m) => (m.role === 'assistant' && m.toolCalls?.some((c) => !answered.has(c.id)) ? { role: 'assistant', content: m.content, ...(m.agent ? { agent: m.agent } : {}) } : m));
};

/** What continues a paused run at the call that paused it (in the innermost agent). */
/** How a pause is continued; an answer carries what the input guardrails made of it (`by` the agent that screened it). */
type PendingAction = { kind: 'answer'; answer: unknown; screened?: ScreenedAnswer & { by: Agent } } | { kind: 'decision'; approve: boolean; reason?: string; approver?: { tenant?: string; principal?: string } };

/**
 * An agent: a model, a system prompt and tools, run in a loop until the model answers without
 * calling tools. Build it once and run it many times: everything of one run (identity, roles,
 * signal, recorders, extra tools) is a run argument; state lives in memory and checkpoints.
 *
 * Agents compose: `agentTool(other)` lets this agent call another as a tool (a nested sub-run),
 * and `handoffs` lets it hand the conversation to another agent, which goes on with the same run.
 */
export class Agent {
  readonly name: string;
  readonly description?: string;
  private readonly tools: ReadonlyMap<string, Tool>;
  /** True when the agent may hand off: its runs track who holds the conversation. */
  private readonly handsOff: boolean;
  private readonly recorders = new RecorderSet();
  private readonly estimator: TokenEstimator;
  private readonly maxIterations: number;
  private readonly policy?: PolicyEngine;
  private readonly access?: AgentAccess;
  private readonly checkpoints: CheckpointLedger;
  private readonly now: () => number;

  /** Opt-in helpers that attach ready-made recorders. */
  readonly enable = {
    /** Calls `onStatus` with a short human status ("Thinking…", "Running clock…") whenever it changes. */
    thinking: (opts: { onStatus: StatusListener }): (() => void) => this.attach(new StatusRecorder(opts.onStatus)),
    /** Logs the chosen event domains (`llm`, `tool`, `memory`, `cost`, `resilience`, ...) to a pino, winston or console logger. */
    logging: (opts: LoggingOptions): (() => void) => this.attach(new LoggingRecorder(opts)),
  };

  private constructor(private readonly options: AgentOptions) {
    this.name = options.name;
    this.description = options.description;
    this.maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
    const tools = new Map<string, Tool>();
    const add = (tool: Tool) => {
      if (tools.has(tool.name)) throw new AgentConfigError(`agent "${options.name}" has two tools named "${tool.name}"`);
      tools.set(tool.name, tool);
    };
    for (const tool of options.tools ?? []) add(tool as Tool);
    for (const target of options.handoffs ?? []) add(handoffTool(target, typeof target === 'string' ? undefined : target.description));
    this.tools = tools;
    this.handsOff = !!options.handoffs?.length;
    this.estimator = new TokenEstimator(options.context?.tokenizer);
    if (options.policy) this.policy = new PolicyEngine(options.policy);
    if (options.access) this.access = options.access instanceof AgentAccess ? options.access : new AgentAccess(options.access);
    this.now = options.now ?? Date.now;
    this.checkpoints = options.checkpointLedger ?? new InMemoryCheckpointLedger(this.now);
  }

  /** The tools this caller may use under the agent's policy (all of them without a policy), `extra` (a run's own tools) included. */
  allowedTools(subject: PolicySubject, extra?: Tool[]): Tool[] {
    return [...this.toolsWith(extra).values()].filter((t) => this.decideTool(t.name, t, subject).allowed);
  }

  /** The tool policy's decision on a tool and, for a handoff or agent tool, the access policy's on the agent it reaches (which comes first). */
  private decideTool(name: string, tool: Tool | undefined, subject: PolicySubject): PolicyDecision {
    const spec = this.access && teamSpec(tool);
    if (spec) {
      const reached = this.access!.decide(this.resolve(spec.target)?.name ?? refName(spec.target), subject);
      if (!reached.allowed) return reached;
    }
    return this.policy ? this.policy.decide(name, subject) : { allowed: true };
  }

  /**
   * The agents this one reaches directly: those it calls as tools and those it may hand off to,
   * each by name with the agent when it resolves now (an object, or a name its `agents` lookup finds).
   */
  teamEdges(): { maxDepth: number; tools: Array<{ tool: string; name: string; agent?: Agent }>; handoffs: Array<{ name: string; agent?: Agent }> } {
    const edges = { maxDepth: this.options.maxAgentDepth ?? DEFAULT_MAX_AGENT_DEPTH, tools: [] as Array<{ tool: string; name: string; agent?: Agent }>, handoffs: [] as Array<{ name: string; agent?: Agent }> };
    for (const tool of this.tools.values()) {
      const spec = teamSpec(tool);
      if (!spec) continue;
      const edge = { name: refName(spec.target), agent: this.resolve(spec.target) };
      if (spec.kind === 'agent') edges.tools.push({ tool: tool.name, ...edge });
      else edges.handoffs.push(edge);
    }
    return edges;
  }

  /** The agents' own tools plus a run's own; a run's tool may not shadow one of the agent's. */
  private toolsWith(extra: Tool[] | undefined): ReadonlyMap<string, Tool> {
    if (!extra?.length) return this.tools;
    const tools = new Map(this.tools);
    for (const tool of extra) {
      if (tools.has(tool.name)) throw new AgentConfigError(`agent "${this.name}" has two tools named "${tool.name}"`);
      tools.set(tool.name, tool);
    }
    return tools;
  }

  /** Checks the options (AgentConfigError naming the first problem) and builds the agent. */
  static create(options: AgentOptions): Agent {
    checkAgentOptions(options);
    const agent = new Agent(options);
    agent.checkNesting([agent.name], options.maxAgentDepth ?? DEFAULT_MAX_AGENT_DEPTH);
    return agent;
  }

  /** Refuses, at build time, agent tools given as objects that nest deeper than allowed (cycles cannot be built from objects). */
  private checkNesting(chain: string[], max: number): void {
    for (const tool of this.tools.values()) {
      const spec = teamSpec(tool);
      if (spec?.kind !== 'agent' || !(spec.target instanceof Agent)) continue;
      const path = [...chain, spec.target.name];
      if (path.length - 1 > max) throw new AgentConfigError(`agent "${chain[0]}": agents called as tools nest ${path.length - 1} deep (${path.join(' → ')}), more than maxAgentDepth ${max}`);
      spec.target.checkNesting(path, max);
    }
  }

  /** Sends every event of this agent's runs to `recorder`; returns a function that detaches it. */
  attach(recorder: Recorder): () => void {
    return this.recorders.add(recorder);
  }

  run(input: RunInput): Promise<RunResult> {
    return promised(() => {
      if (input?.runId !== undefined && (typeof input.runId !== 'string' || !/^[\w-]{1,128}$/.test(input.runId))) throw new AgentError('invalid_input', 'runId must be 1-128 letters, digits, _ or -');
      return this.start(input);
    });
  }

  /** Starts a run: one a caller asked for, or (`link`) the sub-run of an agent tool. Called through promised(). */
  private start(input: RunInput, link?: RunLink): Promise<RunResult> {
    if (typeof input?.message !== 'string') throw new AgentError('invalid_input', 'run() needs a string message');
    const identity = validateIdentity(input.identity ?? { conversationId: GLOBAL_CONVERSATION });
    if (this.options.requireTenant && !identity.tenant) throw new TenantRequiredError();
    throwIfAborted(input.signal);
    const output = this.outputSchema(input.outputSchema);
    const state = this.newState(input.runId ?? randomUUID(), identity, [{ role: 'user', content: input.message }], input, input.roles, link);
    state.output = output;
    return this.guard(state, async () => {
      const message = await screenMessage(this.context(state), input.message);
      let history = input.newConversation ? [] : await loadHistory(this.context(state));
      // The agent that answered the conversation's last turn still holds it: it answers this one.
      // Unless the caller may not call it now: the entry agent answers instead.
      const holder = state.team && this.holderOf(history, subjectOf(state.identity, state.roles));
      if (holder) {
        this.emit(state, { type: 'handoff', from: this.name, to: holder.name, reason: `${holder.name} holds this conversation`, held: true });
        state.team = { entry: this.name, active: holder.name, visited: [holder.name] };
        holder.enter(state);
        if (holder.options.memory !== this.options.memory) history = await loadHistory(holder.context(state));
      }
      const agent = holder || this;
      // History the first call leaves out goes into the conversation's summary first (when summaries are on).
      if (agent.options.context?.summarize) await refreshSummary(agent.context(state), history, plannedDrop(agent.context(state), history, agent.specs(state)));
      // Most agents recall nothing: no call, no promise.
      if (agent.options.recall) await recall(agent.context(state), message, history);
      return agent.loop(state, history);
    });
  }

  /** Continues a paused run; `answer` becomes the paused tool call's result. Nothing is written if the checkpoint is refused. */
  async resume(checkpoint: Checkpoint | unknown, answer: unknown, opts: ResumeOptions = {}): Promise<RunResult> {
    const body = this.openCheckpoint(checkpoint);
    if (opts.identity && (opts.identity.tenant !== body.identity.tenant || opts.identity.principal !== body.identity.principal)) {
      throw new CheckpointIdentityError();
    }
    if (innermost(body).pending.approval) throw new CheckpointInvalidError('this run waits for an approval: decide it with decide()');
    const roles = opts.identity?.roles ?? body.roles;
    this.assertReachable(body, subjectOf(body.identity, roles));
    // Screened before the checkpoint is claimed: an answer a guardrail trips on is refused, and the pause can be answered again.
    const screened = await this.screenAnswer(answer, body.identity, roles);
    return this.reopen(body, opts, roles, { kind: 'answer', answer: screened.text, screened: { ...screened, by: this } });
  }

  /**
   * A person's answer to a pause through this agent's input guardrails, before anything is claimed
   * or queued: throws GuardrailTrippedError when one trips (nothing is used up; answer again).
   */
  async screenAnswer(answer: unknown, identity: MemoryIdentity, roles: readonly string[] = []): Promise<ScreenedAnswer> {
    return prescreenAnswer(this.outsideRun(identity, roles), asContent(answer));
  }

  /**
   * An approver's reason as it may be recorded, before any run reads it: this agent's input
   * guardrails, as the approver (a tripped one withholds the reason). For a service that records
   * decisions outside the run, as AgentJobs does in the approval and its events.
   */
  async screenApprovalReason(reason: string, approver: MemoryIdentity, roles: readonly string[] = []): Promise<string> {
    return screenReason(this.outsideRun(approver, roles), reason);
  }

  /** A context for guardrails run outside any run, as `identity`: nothing is reported (no run's events exist to take it). */
  private outsideRun(identity: MemoryIdentity, roles: readonly string[]): RunContext {
    return { ...this.context(this.newState(randomUUID(), identity, [], {}, [...roles])), emit: () => undefined };
  }

  /**
   * Decides a tool call that waits for an approval (in this agent or in an agent it called as a
   * tool). The approver must be of the same tenant, hold one of the approver roles, and (unless the
   * rule allows it) not be the caller who asked. Approved, the tool runs with exactly the arguments
   * that were shown; denied (or decided after the approval expired), the model gets "denied by
   * <approver>: <reason>" as the tool's result. The run then continues as the caller who asked.
   */
  async decide(checkpoint: Checkpoint | unknown, decision: ApprovalDecision, opts: DecideOptions): Promise<RunResult> {
    const body = this.openCheckpoint(checkpoint);
    const leaf = innermost(body);
    const approval = leaf.pending.approval;
    if (!approval) throw new CheckpointInvalidError('this run does not wait for an approval');
    if (decision?.decision !== 'approve' && decision?.decision !== 'deny') throw new AgentError('invalid_input', 'decision must be approve or deny');
    const approver = opts.approver;
    const call = lastCalls(leaf).find((c) => c.id === leaf.pending.toolCallId)!;
    checkApprover(approval, approver, leaf.identity, call);
    // The run continues as the caller who asked, so only if they may still reach its agents (the policy may have changed since).
    this.assertReachable(body, subjectOf(body.identity, body.roles));
    return this.reopen(body, opts, body.roles, { kind: 'decision', approve: decision.decision === 'approve', reason: decision.reason, approver: { tenant: approver.tenant, principal: approver.principal } });
  }

  /**
   * Settles a call nobody decided before its approval expired: the model gets "denied: the approval
   * expired" and the run continues as the caller who asked. Throws CheckpointInvalidError before the
   * expiry (only a decide() can settle it then).
   */
  async expire(checkpoint: Checkpoint | unknown, opts: Omit<DecideOptions, 'approver'> = {}): Promise<RunResult> {
    const body = this.openCheckpoint(checkpoint);
    const approval = innermost(body).pending.approval;
    if (!approval) throw new CheckpointInvalidError('this run does not wait for an approval');
    if (this.now() < Date.parse(approval.expiresAt)) throw new CheckpointInvalidError('the approval has not expired yet');
    this.assertReachable(body, subjectOf(body.identity, body.roles));
    return this.reopen(body, opts, body.roles, { kind: 'decision', approve: false });
  }

  /** Throws what resume() would for who may continue this checkpoint (a bad checkpoint, an agent out of the caller's reach), before anything is queued. */
  checkContinuation(checkpoint: Checkpoint | unknown, subject: PolicySubject): void {
    this.assertReachable(this.openCheckpoint(checkpoint), subject);
  }

  /**
   * Every agent a continuation would run must be one the caller may reach now: the one holding the
   * conversation after a handoff, and each sub-agent down to the paused call. A role revoked since the
   * pause (or the same principal's other key) cannot answer a denied agent's question.
   */
  private assertReachable(body: CheckpointBody, subject: PolicySubject): void {
    if (!this.access) return;
    for (let level: CheckpointBody | undefined = body; level; level = level.pending.sub) {
      for (const name of [level.agent, level.team?.active]) if (name && !this.access.allows(name, subject)) throw new UnknownAgentError(name);
    }
  }

  /** A checkpoint of this agent, verified (signature, version, shape, pending call at every level). */
  private openCheckpoint(checkpoint: unknown): CheckpointBody {
    assertCheckpointSecret(this.options.checkpointSecret);
    const body = verifyCheckpoint(checkpoint, this.options.checkpointSecret);
    if (body.agent !== this.name) throw new CheckpointInvalidError('issued by another agent');
    if (this.options.requireTenant && !body.identity.tenant) throw new TenantRequiredError();
    for (let level: CheckpointBody | undefined = body; level; level = level.pending.sub) {
      if (!lastCalls(level).some((c) => c.id === level!.pending.toolCallId)) throw new CheckpointInvalidError('pending tool call not found');
    }
    return body;
  }

  /**
   * Continues a checkpoint once: not expired, not revoked by an erasure, claimed (single use); the
   * claim goes back if the continuation fails before it used the checkpoint's answer. A sub-agent's
   * checkpoint inside it is continued the same way by that agent, with `link` to this run.
   */
  private async reopen(body: CheckpointBody, opts: ResumeOptions, roles: readonly string[] | undefined, action: PendingAction, link?: RunLink): Promise<RunResult> {
    throwIfAborted(opts.signal);
    const expiresAt = Date.parse(body.expiresAt);
    if (!(this.now() < expiresAt)) throw new CheckpointExpiredError();
    // An erasure after the pause moved the generation on: the checkpoint cannot bring that data back.
    if ((await this.checkpoints.generation(body.identity)) !== body.gen) throw new CheckpointRevokedError();
    const holder = opts.attemptKey ?? randomUUID();
    if (!(await this.checkpoints.claim(body.id, holder, expiresAt))) throw new CheckpointUsedError();
    const state = this.newState(body.runId, body.identity, [...body.turn], opts, roles ? [...roles] : [], link);
    state.output = this.outputSchema(opts.outputSchema);
    state.iterations = body.iterations;
    state.usage = body.usage;
    // Signed, but written by whatever version paused: a cost that is not a sane amount restarts at 0 rather than disabling the run's budget.
    state.costUsd = Number.isFinite(body.costUsd) && body.costUsd >= 0 ? body.costUsd : 0;
    return this.guard(state, async () => {
      if (body.team) state.team = structuredClone(body.team);
      const agent = this.activeIn(state);
      await refreshSummary(agent.context(state));
      return agent.applyPending(state, body, lastCalls(body), action, opts.attemptKey);
    }).catch(async (err: unknown) => {
      await this.checkpoints.release(body.id, holder).catch(() => undefined);
      throw err;
    });
  }

  /** The agent that has the reopened run: this one, or the one it was handed to before the pause (which then takes the state over). */
  private activeIn(state: RunState): Agent {
    const name = state.team?.active;
    if (!name || name === this.name) return this;
    const active = this.reachable(name);
    if (!active) throw new CheckpointInvalidError(`the agent "${name}" that has this run is gone`);
    active.enter(state);
    return active;
  }

  /** Gives the paused call its result (an answer, a decision, or a sub-agent's continuation) and goes on with the turn. */
  private async applyPending(state: RunState, body: CheckpointBody, calls: ToolCall[], action: PendingAction, attemptKey: string | undefined): Promise<RunResult> {
    const { toolCallId, tool, sub } = body.pending;
    const call = calls.find((c) => c.id === toolCallId)!;
    this.emit(state, { type: 'resume', toolCallId, tool, identity: body.identity, via: action.kind });
    if (sub) return this.resumeAgentCall(state, body, calls, call, sub, action, attemptKey);
    if (action.kind === 'answer') {
      // A person's answer: the input guardrails as for a message, then the tool guardrails as for a result.
      const content = await screenAnswer(this.context(state), asContent(action.answer), tool, action.screened?.by === this ? action.screened : undefined);
      const answered: ToolResultMessage = { role: 'tool', toolCallId, name: tool, content };
      this.emit(state, { type: 'tool.end', toolCallId, tool, result: answered.content, isError: false, durationMs: 0 });
      return this.continueTurn(state, calls, { ...body.results, [toolCallId]: answered });
    }
    const approval = body.pending.approval!;
    const expired = !(this.now() < Date.parse(approval.expiresAt));
    const approved = action.approve && !expired;
    const reason = expired ? 'the approval expired' : action.reason && (await screenReason(this.context(state), action.reason));
    const who = action.approver;
    this.emit(state, { type: 'approval.decided', approvalId: approval.id, toolCallId, tool, decision: approved ? 'approve' : 'deny', ...(who ? { approver: who } : {}), ...(reason ? { reason } : {}), expired });
    if (approved) return this.continueTurn(state, calls, { ...body.results }, new Set([toolCallId]));
    const by = who ? ` by ${who.principal ?? 'an approver'}` : '';
    // The approver's words reach the model as the call's result: fenced by the tool guardrails like any result.
    const denied: ToolResultMessage = { role: 'tool', toolCallId, name: tool, content: await screenStage(this.context(state), 'tool', `denied${by}${reason ? `: ${reason}` : ''}`, tool) };
    this.emit(state, { type: 'tool.end', toolCallId, tool, result: denied.content, isError: false, durationMs: 0 });
    return this.continueTurn(state, calls, { ...body.results, [toolCallId]: denied });
  }

  /** Continues the sub-agent whose pause paused this run; its reply (or its next pause) is this call's outcome. */
  private async resumeAgentCall(state: RunState, body: CheckpointBody, calls: ToolCall[], call: ToolCall, sub: CheckpointBody, action: PendingAction, attemptKey: string | undefined): Promise<RunResult> {
    const spec = teamSpec(state.tools.get(call.name));
    const target = spec?.kind === 'agent' ? this.resolve(spec.target) : undefined;
    if (spec?.kind !== 'agent' || target?.name !== sub.agent) throw new CheckpointInvalidError(`the agent tool "${call.name}" that paused is gone`);
    const link = this.linkFor(state, target, spec, sub.costUsd);
    if (typeof link === 'string') throw new CheckpointInvalidError(link);
    const started = performance.now();
    const start: AgentEventBody = { type: 'tool.start', toolCallId: call.id, tool: call.name, args: call.args };
    this.emit(state, start);
    const result = await this.scope(state, start, () => target.reopen(sub, { signal: state.signal, attemptKey, tools: state.runTools }, state.roles, action, link));
    const outcome = this.rollUp(state, target, result, sub.usage, sub.costUsd);
    if ('paused' in outcome) return this.pause(state, { results: {}, paused: { call, ...outcome.paused } }, { ...body.results });
    // A sub-agent's reply is a result like any other: the tool guardrails see it, as they do when the call does not pause.
    const content = await screenStage(this.context(state), 'tool', outcome.content, call.name);
    this.emit(state, { type: 'tool.end', toolCallId: call.id, tool: call.name, result: content, isError: outcome.isError ?? false, durationMs: performance.now() - started });
    const message: ToolResultMessage = { role: 'tool', toolCallId: call.id, name: call.name, content, ...(outcome.isError ? { isError: true } : {}) };
    return this.continueTurn(state, calls, { ...body.results, [call.id]: message });
  }

  private newState(runId: string, identity: MemoryIdentity, turn: LLMMessage[], per: { signal?: AbortSignal; stream?: boolean; recorders?: Recorder[]; tools?: RunTools }, roles: string[] = [], link?: RunLink): RunState {
    const runTools = typeof per.tools === 'function' ? per.tools : per.tools?.length ? (agent: string) => (agent === this.name ? (per.tools as Tool[]) : undefined) : undefined;
    const own = this.options.costBudget;
    // A sub-run may spend what its caller has left, and no more.
    const budget = link?.budgetUsd === undefined ? own : { usd: Math.max(0, Math.min(own?.usd ?? Infinity, link.budgetUsd)), onExceed: 'halt' as const };
    return {
      runId,
      identity,
      turn,
      tools: this.toolsWith(runTools?.(this.name)),
      runTools,
      ...this.sinkFor(link, per.recorders),
      ...(link ? { link } : {}),
      ...(this.handsOff ? { team: { entry: this.name, active: this.name, visited: [this.name] } } : {}),
      ...(budget ? { budget } : {}),
      inherited: link?.inherited ?? { pricingTable: this.options.pricingTable, ledger: this.options.ledger, checkpointSecret: this.options.checkpointSecret },
      iterations: 0,
      usage: noUsage(),
      costUsd: 0,
      startedAt: performance.now(),
      signal: per.signal ?? new AbortController().signal,
      // A sub-agent's text is its caller's tool result, not the reply being streamed.
      stream: link ? false : (per.stream ?? false),
      roles,
    };
  }

  /** Makes this agent the one that works on `state` (after a handoff, or for a conversation it holds). */
  private enter(state: RunState): void {
    state.tools = this.toolsWith(state.runTools?.(this.name));
    state.sink = state.sink.with(this.recorders);
    if (state.team) state.team.active = this.name;
  }

  private async loop(state: RunState, history: LLMMessage[]): Promise<RunResult> {
    for (;;) {
      throwIfAborted(state.signal);
      const specs = this.specs(state);
      // Past the budget, one last call without tools forces a final answer.
      const final = state.iterations >= this.maxIterations;
      const call = () => callModel(this.context(state), history, specs, final);
      const response = state.gate ? await gatedCall(state, call) : await call();
      const wantsTools = !final && response.toolCalls.length > 0;
      if (checkRunBudget(this.context(state)) === 'halt' && wantsTools) return this.budgetExceeded(state, response);
      // In a conversation several agents share, each assistant message says who wrote it (the next turn goes to the last one).
      const by = state.team ? { agent: this.name } : {};
      state.turn.push(wantsTools ? { role: 'assistant', content: response.text, toolCalls: response.toolCalls, ...by } : { role: 'assistant', content: response.text, ...by });
      if (!wantsTools) return this.complete(state, response, final, state.output ? await structuredOutput(this.context(state), history, specs, response) : undefined);

      const outcome = await this.runTools(state, response.toolCalls);
      if (outcome.paused || outcome.approvals) return await this.pause(state, outcome, outcome.results);
      state.turn.push(...response.toolCalls.map((c: ToolCall) => outcome.results[c.id]));
      if (outcome.handoff) return this.handOff(state, outcome.handoff);
      // A sub-agent's cost may have spent the run's budget: stop before paying for another call.
      if (checkRunBudget(this.context(state)) === 'halt') return this.budgetExceeded(state, response);
    }
  }

  /** Runs tool calls under the policy; `approved` calls run without asking again. */
  private runTools(state: RunState, calls: ToolCall[], approved?: ReadonlySet<string>): Promise<ToolTurnOutcome> {
    return executeToolCalls(calls, state.tools, {
      runId: state.runId,
      agent: this.name,
      identity: state.identity,
      signal: state.signal,
      emit: (e) => this.emit(state, e),
      within: (e, work) => this.scope(state, e, work),
      callAgent: (call, spec) => this.callAgent(state, call, spec),
      ...(this.options.guardrails?.tool?.length ? { screen: async (call: ToolCall, content: string) => (await screen(this.options.guardrails!.tool!, content, screenContext(this.context(state), 'tool', call.name))).text } : {}),
      refuseHandoff: (spec) => this.refuseHandoff(state, spec),
      roles: state.roles,
      approved,
      ...(this.policy || this.access ? { authorize: (tool: string) => this.decideTool(tool, state.tools.get(tool), subjectOf(state.identity, state.roles)) } : {}),
    });
  }

  /**
   * Finishes the paused turn: calls still without a result run now (an approved one runs; another
   * that needs approval pauses the run again), then the loop goes on.
   */
  private async continueTurn(state: RunState, calls: ToolCall[], results: Record<string, ToolResultMessage>, approved?: ReadonlySet<string>): Promise<RunResult> {
    const missing = calls.filter((c) => !results[c.id]);
    let handoff: ToolTurnOutcome['handoff'];
    if (missing.length) {
      const outcome = await this.runTools(state, missing, approved);
      Object.assign(results, outcome.results);
      if (outcome.paused || outcome.approvals) return this.pause(state, outcome, results);
      handoff = outcome.handoff;
    }
    state.turn.push(...calls.map((c) => results[c.id]));
    if (handoff) return this.handOff(state, handoff);
    if (checkRunBudget(this.context(state)) === 'halt') return this.budgetExceeded(state, { text: '' });
    const history = await loadHistory(this.context(state));
    return this.loop(state, history);
  }

  /** Resolves an agent named in a handoff or agent tool: an object as given, a name through `agents`. */
  private resolve(ref: AgentRef): Agent | undefined {
    const found = typeof ref === 'string' ? this.options.agents?.(ref) : ref;
    return found instanceof Agent ? found : undefined;
  }

  /** The agent named `name` if this agent can reach it through handoffs (directly or through the agents it hands to). */
  private reachable(name: string): Agent | undefined {
    const seen = new Set<string>([this.name]);
    const queue: Agent[] = [this];
    while (queue.length) {
      const agent = queue.shift()!;
      for (const tool of agent.tools.values()) {
        const spec = teamSpec(tool);
        if (spec?.kind !== 'handoff') continue;
        const next = agent.resolve(spec.target);
        if (!next || seen.has(next.name)) continue;
        if (next.name === name) return next;
        seen.add(next.name);
        queue.push(next);
      }
    }
    return undefined;
  }

  /** The agent that answered the last turn of this conversation, when it is another one this agent hands off to. */
  private holderOf(history: LLMMessage[], subject: PolicySubject): Agent | undefined {
    const last = history.findLast((m) => m.role === 'assistant');
    const name = last?.role === 'assistant' ? last.agent : undefined;
    return name && name !== this.name && (!this.access || this.access.allows(name, subject)) ? this.reachable(name) : undefined;
  }

  /** Why the model may not hand off to the spec's agent now, as text it can act on; undefined when it may. */
  private refuseHandoff(state: RunState, spec: HandoffSpec): string | undefined {
    const target = this.resolve(spec.target);
    if (!target) return `Error (unknown_agent): no agent named "${refName(spec.target)}" is available; answer the user yourself.`;
    if (state.team?.visited.includes(target.name)) return `Error (handoff_cycle): ${target.name} already had this conversation in this request; answer the user yourself.`;
    return undefined;
  }

  /** Hands the conversation to another agent: it continues this run with its own prompt, tools and policy. */
  private async handOff(state: RunState, handoff: NonNullable<ToolTurnOutcome['handoff']>): Promise<RunResult> {
    const target = this.resolve(handoff.spec.target)!;
    const { reason } = handoff;
    this.emit(state, { type: 'handoff', from: this.name, to: target.name, reason, held: false });
    const team = (state.team ??= { entry: this.name, active: this.name, visited: [this.name] });
    team.visited.push(target.name);
    const work = describeToolWork(state.turn.slice(1)).filter((line) => !line.startsWith(HANDOFF_PREFIX));
    const note = [`The ${this.name} agent handed this conversation to you. Its reason: ${reason}`, ...(work.length ? ['What was done for this message before the handoff:', ...work.map((w) => `- ${w}`)] : []), 'Answer the user yourself.'].join('\n');
    team.handoff = { from: this.name, reason, start: state.turn.length, note };
    target.enter(state);
    const history = await loadHistory(target.context(state));
    return target.loop(state, history);
  }

  /** Where a sub-run of `target` stands in the tree (depth, chain, budget left), or why it may not run (text for the model). */
  private linkFor(state: RunState, target: Agent, spec: AgentToolSpec, budgetBack = 0): RunLink | string {
    const depth = (state.link?.depth ?? 0) + 1;
    const maxDepth = state.link?.maxDepth ?? this.options.maxAgentDepth ?? DEFAULT_MAX_AGENT_DEPTH;
    const above = state.link?.chain ?? [];
    const chain = above.at(-1) === this.name ? above : [...above, this.name];
    if (chain.includes(target.name)) return `Error (agent_cycle): ${target.name} is already working on this request (${[...chain, target.name].join(' → ')}); answer without it.`;
    if (depth > maxDepth) return `Error (agent_depth): agents may call agents at most ${maxDepth} levels deep; answer without ${target.name}.`;
    const halts = state.budget && (state.budget.onExceed ?? 'halt') === 'halt';
    return {
      parentRunId: state.runId,
      depth,
      maxDepth,
      chain: [...chain, target.name],
      sink: state.sink,
      ...(halts ? { budgetUsd: state.budget!.usd - state.costUsd + budgetBack } : {}),
      inherited: {
        pricingTable: this.options.pricingTable ?? state.inherited.pricingTable,
        ledger: this.options.ledger ?? state.inherited.ledger,
        checkpointSecret: this.options.checkpointSecret ?? state.inherited.checkpointSecret,
      },
      ...(spec.history === 'parent' ? { historyFrom: state.link?.historyFrom ?? state.identity } : {}),
    };
  }

  /** Runs an agent called as a tool, as the same caller, in its own conversation under this run's. */
  private async callAgent(state: RunState, call: ToolCall, spec: AgentToolSpec): Promise<SubRunOutcome> {
    const target = this.resolve(spec.target);
    if (!target) return { content: `Error (unknown_agent): no agent named "${refName(spec.target)}" is available.`, isError: true };
    const link = this.linkFor(state, target, spec);
    if (typeof link === 'string') return { content: link, isError: true };
    const identity = { ...state.identity, conversationId: subConversationId(state.identity.conversationId, call.name) };
    // A refusal thrown by start() rejects this call like any other failure of the sub-run.
    const result = await target.start({ message: spec.toMessage(call.args), identity, runId: subRunId(state.runId, call.id), signal: state.signal, roles: state.roles, tools: state.runTools }, link);
    return this.rollUp(state, target, result, noUsage(), 0);
  }

  /** Adds what a sub-run spent since `before` to this run, and turns its result into the tool call's outcome. */
  private rollUp(state: RunState, target: Agent, result: RunResult, before: Usage, costBefore: number): SubRunOutcome {
    state.usage = addUsage(state.usage, usageSince(result.usage, before));
    state.costUsd += result.costUsd - costBefore;
    if (result.status === 'paused') return { paused: { data: result.pauseData, nested: result.checkpoint.body } };
    if (result.status === 'budget_exceeded') return { content: `Error (budget_exceeded): ${target.name} stopped because the run's cost budget is spent.`, isError: true };
    if (result.status === 'blocked') return { content: `Error (guardrail_tripped): ${target.name} refused: its guardrail "${result.guardrail}" tripped (${result.reason}).`, isError: true };
    return { content: result.text };
  }

  private budgetExceeded(state: RunState, response: Pick<LLMResponse, 'text'>): BudgetExceededResult {
    const base = this.resultBase(state);
    this.emit(state, { type: 'run.end', status: 'budget_exceeded', text: response.text, usage: base.usage, costUsd: base.costUsd, iterations: base.iterations, stoppedEarly: true, durationMs: performance.now() - state.startedAt });
    return { status: 'budget_exceeded', ...base, text: response.text, limitUsd: state.budget!.usd };
  }

  private async complete(state: RunState, response: LLMResponse, stoppedEarly: boolean, structured?: { value: unknown; tier: OutputTier }): Promise<CompletedResult> {
    const { memory, recall } = this.options;
    let output = structured;
    // A structured reply is remembered (and returned) as its canonical JSON, whichever tier served it.
    let reply = output ? JSON.stringify(output.value) : response.text;
    const guards = this.options.guardrails?.output;
    if (guards?.length) {
      const screened = (await screen(guards, reply, screenContext(this.context(state), 'output'))).text;
      if (screened !== reply && output) output = reparse(state, screened, output.tier);
      reply = screened;
    }
    if (output || reply !== response.text) state.turn[state.turn.length - 1] = { role: 'assistant', content: reply, ...(state.team ? { agent: this.name } : {}) };
    // A sub-agent reading its caller's conversation has none of its own to write to.
    if (memory && !state.link?.historyFrom) {
      // With recall on, user and assistant text is embedded so later runs can find it.
      const embeddings = recall ? await embedTurn(this.context(state)) : undefined;
      // Keyed by runId: a retried job or a replayed checkpoint of this run never writes the turn twice.
      await memory.append(state.identity, state.turn, { idempotencyKey: state.runId, ...(embeddings ? { embeddings } : {}) });
      this.emit(state, { type: 'memory.write', store: memory.name, count: state.turn.length });
    }
    const base = this.resultBase(state);
    this.emit(state, { type: 'run.end', status: 'completed', text: reply, usage: base.usage, costUsd: base.costUsd, iterations: base.iterations, stoppedEarly, durationMs: performance.now() - state.startedAt });
    // Only the caller's copy gets back what input guardrails replaced with placeholders; memory and events keep the placeholders.
    const result: CompletedResult = { status: 'completed', ...base, text: restoreIn(reply, state.restore), finishReason: response.finishReason, stoppedEarly };
    return output ? { ...result, output: output.value, outputTier: output.tier } : result;
  }

  /** Ends a run a guardrail tripped; nothing is stored unless the agent keeps blocked turns. */
  private async blocked(state: RunState, trip: GuardrailTrip): Promise<BlockedResult> {
    const { memory, guardrails } = this.options;
    if (guardrails?.storeBlocked && memory && !state.link?.historyFrom) {
      const note = { role: 'assistant' as const, content: `(blocked by the ${trip.guardrail} guardrail: ${trip.reason})`, ...(state.team ? { agent: this.name } : {}) };
      // Whatever the turn had when it tripped, with its pending tool calls answered so the history stays well-formed.
      // The reply an output guardrail refused is not kept.
      const turn = wellFormed(trip.stage === 'output' ? state.turn.slice(0, -1) : state.turn);
      await memory.append(state.identity, [...turn, note], { idempotencyKey: state.runId });
      this.emit(state, { type: 'memory.write', store: memory.name, count: turn.length + 1 });
    }
    const base = this.resultBase(state);
    this.emit(state, { type: 'run.end', status: 'blocked', usage: base.usage, costUsd: base.costUsd, iterations: base.iterations, stoppedEarly: true, durationMs: performance.now() - state.startedAt });
    return { status: 'blocked', ...base, ...trip };
  }

  /**
   * The run's output schema: the run's own, else the agent's. A run's JSON Schema may come from a
   * request, so it is compiled as untrusted input; a zod schema is code, like the agent's own.
   */
  private outputSchema(runSchema: OutputSchema | undefined): CompiledOutputSchema | undefined {
    if (runSchema === undefined) return this.options.output?.schema === undefined ? undefined : compileOutputSchema(this.options.output.schema);
    return isZod(runSchema) ? compileOutputSchema(runSchema) : compileUntrustedSchema(runSchema);
  }

  /** Pauses on a pauseHere call (or a sub-agent's pause), or else on the first call that waits for an approval. */
  private async pause(state: RunState, outcome: ToolTurnOutcome, results: Record<string, ToolResultMessage>): Promise<PausedResult> {
    const secret = this.options.checkpointSecret ?? state.inherited.checkpointSecret;
    assertCheckpointSecret(secret);
    const issuedAt = this.now();
    const expiresAt = new Date(issuedAt + (this.options.checkpointTtlMs ?? DEFAULT_CHECKPOINT_TTL_MS)).toISOString();
    let pending: CheckpointBody['pending'];
    let pauseData: unknown;
    if (outcome.paused) {
      const { call, data, nested } = outcome.paused;
      // A sub-agent's pause: its checkpoint rides inside this one, and its approval (if any) shows at the top.
      pending = { toolCallId: call.id, tool: call.name, ...(nested ? { sub: nested, ...(nested.pending.approval ? { approval: nested.pending.approval } : {}) } : {}) };
      pauseData = data;
    } else {
      ({ pending, pauseData } = requestApproval(outcome.approvals![0], state.identity, issuedAt, this.options.approvalTtlMs));
      const { approvalId, argsHash, requestedBy, approverRoles, expiresAt: until } = pauseData as ApprovalPauseData;
      this.emit(state, { type: 'approval.requested', approvalId, toolCallId: pending.toolCallId, tool: pending.tool, argsHash, requestedBy, approverRoles, expiresAt: until });
    }
    const checkpoint = signCheckpoint(
      {
        id: randomBytes(16).toString('base64url'),
        expiresAt,
        gen: await this.checkpoints.generation(state.identity),
        agent: state.team?.entry ?? this.name,
        runId: state.runId,
        identity: state.identity,
        ...(state.roles.length ? { roles: state.roles } : {}),
        turn: state.turn,
        results,
        pending,
        pauseData,
        iterations: state.iterations,
        usage: state.usage,
        costUsd: state.costUsd,
        createdAt: new Date(issuedAt).toISOString(),
        ...(state.team ? { team: state.team } : {}),
      },
      secret,
    );
    const base = this.resultBase(state);
    this.emit(state, { type: 'pause', toolCallId: pending.toolCallId, tool: pending.tool, pauseData: checkpoint.body.pauseData });
    this.emit(state, { type: 'run.end', status: 'paused', usage: base.usage, costUsd: base.costUsd, iterations: base.iterations, stoppedEarly: false, durationMs: performance.now() - state.startedAt });
    return { status: 'paused', ...base, checkpoint, pauseData: checkpoint.body.pauseData };
  }

  /**
   * The run's recorders. A top-level run whose recorders include a NarrativeRecorder tells its own
   * story to a fresh one too: the result's `narrative` is this run's alone, whoever else runs.
   */
  private sinkFor(link: RunLink | undefined, perRun: Recorder[] = []): Pick<RunState, 'sink' | 'telling'> {
    const sink = (link ? link.sink.with(this.recorders) : this.recorders).with(perRun);
    if (link || !sink.narrates) return { sink };
    const telling = new NarrativeRecorder();
    return { sink: sink.with([telling]), telling };
  }

  private resultBase(state: RunState) {
    return { runId: state.runId, answeredBy: this.name, conversationId: state.identity.conversationId, usage: state.usage, costUsd: state.costUsd, iterations: state.iterations };
  }

  private async guard(state: RunState, work: () => Promise<RunResult>): Promise<RunResult> {
    try {
      return narrated(state, await work());
    } catch (err) {
      if (err instanceof GuardrailTripped) return narrated(state, await this.blocked(state, err.trip));
      const code = (err as { code?: unknown } | null)?.code;
      this.emit(state, { type: 'run.error', code: typeof code === 'string' ? code : 'internal_error', message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /** The tool declarations of the next model call (per call: a denied tool the model called anyway joins them). */
  private specs(state: RunState) {
    return this.offeredTools(state).map(declaration);
  }

  /**
   * The tools the model is told about: only those the caller may use (a denied tool's name and
   * schema never reach the model), plus any it already called in this run (vendors refuse tool
   * history that names undeclared tools; such a call was refused and audited).
   */
  private offeredTools(state: RunState): Tool[] {
    if (!this.policy && !this.access) return [...state.tools.values()];
    const subject = subjectOf(state.identity, state.roles);
    const called = new Set(state.turn.flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.name) : [])));
    return [...state.tools.values()].filter((t) => called.has(t.name) || this.decideTool(t.name, t, subject).allowed);
  }

  /** The view of one run that its steps (model call, output tiers, memory) work with. */
  private context(state: RunState): RunContext {
    // Made once per run and agent: every step of a run asks for it.
    if (state.view?.by === this) return state.view.context;
    const context: RunContext = {
      agent: this.name,
      options: this.options,
      estimator: this.estimator,
      state,
      emit: (body) => this.emit(state, body),
      scope: (body, work) => this.scope(state, body, work),
    };
    state.view = { by: this, context };
    return context;
  }

  private event(state: RunState, body: AgentEventBody): AgentEvent {
    // Stamped in place: every body is a fresh object made for this one event (copying it was a
    // measurable share of a run). A body emitted and then used as a scope gets the same stamp twice.
    const event = body as AgentEvent;
    event.runId = state.runId;
    event.agent = this.name;
    event.at = Date.now();
    if (state.link) {
      event.parentRunId = state.link.parentRunId;
      event.depth = state.link.depth;
    }
    return event;
  }

  private emit(state: RunState, body: AgentEventBody): void {
    if (!state.sink.empty) state.sink.emit(this.event(state, body));
  }

  /** Runs `work` inside the recorders' scope of this event (no event is built when nobody records). */
  private scope<T>(state: RunState, body: AgentEventBody, work: () => T): T {
    return state.sink.empty ? work() : state.sink.scope(this.event(state, body), work);
  }
}
