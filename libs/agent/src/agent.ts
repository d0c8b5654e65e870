import { randomBytes, randomUUID } from 'node:crypto';
import { checkApprover, requestApproval, type ApprovalPauseData } from './tools/approval.js';
import type { LLMMessage, LLMResponse, ToolCall } from '@agentnest/providers';
import { GLOBAL_CONVERSATION, validateIdentity, type MemoryIdentity } from '@agentnest/memory';
import { throwIfAborted } from './abort.js';
import { AgentConfigError, AgentError, CheckpointExpiredError, CheckpointIdentityError, CheckpointInvalidError, CheckpointRevokedError, CheckpointUsedError, TenantRequiredError } from './agent.errors.js';
import { DEFAULT_CHECKPOINT_TTL_MS, InMemoryCheckpointLedger, type CheckpointLedger } from './checkpoint/checkpoint-ledger.js';
import { type AgentOptions, type ApprovalDecision, type BudgetExceededResult, type CompletedResult, type DecideOptions, type OutputTier, type PausedResult, type ResumeOptions, type RunInput, type RunResult } from './agent.types.js';
import { compileOutputSchema, type CompiledOutputSchema, type OutputSchema } from './output/output-schema.js';
import { compileUntrustedSchema } from './output/untrusted-schema.js';
import { assertCheckpointSecret, signCheckpoint, verifyCheckpoint, type Checkpoint, type CheckpointBody } from './checkpoint/checkpoint.js';
import type { AgentEvent, AgentEventBody, Recorder } from './events/agent-event.js';
import { LoggingRecorder, type LoggingOptions } from './events/logging.recorder.js';
import { RecorderSet } from './events/recorder-set.js';
import { StatusRecorder, type StatusListener } from './events/status.recorder.js';
import { PolicyEngine, type PolicySubject } from './policy/tool-policy.js';
import { executeToolCalls, type ToolResultMessage, type ToolTurnOutcome } from './tools/tool-executor.js';
import type { Tool } from './tools/tool.js';
import { checkAgentOptions } from './agent-options.js';
import { callModel, checkRunBudget } from './run/model-call.js';
import { embedTurn, loadHistory, recall } from './run/run-memory.js';
import type { RunContext, RunState } from './run/run-state.js';
import { structuredOutput } from './output/output-tiers.js';

const DEFAULT_MAX_ITERATIONS = 10;

/** The tool calls of the checkpointed turn (its last message). */
const lastCalls = (body: CheckpointBody): ToolCall[] => {
  const last = body.turn.at(-1);
  return last?.role === 'assistant' ? (last.toolCalls ?? []) : [];
};

const asContent = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/**
 * An agent: a model, a system prompt and tools, run in a loop until the model answers without
 * calling tools. Build it once and run it many times: everything of one run (identity, roles,
 * signal, recorders, extra tools) is a run argument; state lives in memory and checkpoints.
 */
export class Agent {
  readonly name: string;
  private readonly tools: ReadonlyMap<string, Tool>;
  private readonly recorders = new RecorderSet();
  private readonly maxIterations: number;
  private readonly policy?: PolicyEngine;
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
    this.maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
    const tools = new Map<string, Tool>();
    for (const tool of options.tools ?? []) {
      if (tools.has(tool.name)) throw new AgentConfigError(`agent "${options.name}" has two tools named "${tool.name}"`);
      tools.set(tool.name, tool as Tool);
    }
    this.tools = tools;
    if (options.policy) this.policy = new PolicyEngine(options.policy);
    this.now = options.now ?? Date.now;
    this.checkpoints = options.checkpointLedger ?? new InMemoryCheckpointLedger(this.now);
  }

  /** The tools this caller may use under the agent's policy (all of them without a policy), `extra` (a run's own tools) included. */
  allowedTools(subject: PolicySubject, extra?: Tool[]): Tool[] {
    return [...this.toolsWith(extra).values()].filter((t) => !this.policy || this.policy.decide(t.name, subject).allowed);
  }

  /** The agent's tools plus a run's own; a run's tool may not shadow one of the agent's. */
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
    return new Agent(options);
  }

  /** Sends every event of this agent's runs to `recorder`; returns a function that detaches it. */
  attach(recorder: Recorder): () => void {
    return this.recorders.add(recorder);
  }

  async run(input: RunInput): Promise<RunResult> {
    if (typeof input?.message !== 'string') throw new AgentError('invalid_input', 'run() needs a string message');
    if (input.runId !== undefined && (typeof input.runId !== 'string' || !/^[\w-]{1,128}$/.test(input.runId))) throw new AgentError('invalid_input', 'runId must be 1-128 letters, digits, _ or -');
    const identity = validateIdentity(input.identity ?? { conversationId: GLOBAL_CONVERSATION });
    if (this.options.requireTenant && !identity.tenant) throw new TenantRequiredError();
    throwIfAborted(input.signal);
    const output = this.outputSchema(input.outputSchema);
    const state = this.newState(input.runId ?? randomUUID(), identity, [{ role: 'user', content: input.message }], input, input.roles);
    state.output = output;
    return this.guard(state, async () => {
      this.emit(state, { type: 'run.start', identity, message: input.message });
      const history = await loadHistory(this.context(state));
      await recall(this.context(state), input.message, history);
      return this.loop(state, history);
    });
  }

  /** Continues a paused run; `answer` becomes the paused tool call's result. Nothing is written if the checkpoint is refused. */
  async resume(checkpoint: Checkpoint | unknown, answer: unknown, opts: ResumeOptions = {}): Promise<RunResult> {
    const body = this.openCheckpoint(checkpoint);
    if (opts.identity && (opts.identity.tenant !== body.identity.tenant || opts.identity.principal !== body.identity.principal)) {
      throw new CheckpointIdentityError();
    }
    if (body.pending.approval) throw new CheckpointInvalidError('this run waits for an approval: decide it with decide()');
    return this.reopen(body, opts, opts.identity?.roles ?? body.roles, async (state, calls) => {
      const { toolCallId, tool } = body.pending;
      this.emit(state, { type: 'resume', toolCallId, tool, identity: body.identity });
      const answered: ToolResultMessage = { role: 'tool', toolCallId, name: tool, content: asContent(answer) };
      this.emit(state, { type: 'tool.end', toolCallId, tool, result: answered.content, isError: false, durationMs: 0 });
      return this.continueTurn(state, calls, { ...body.results, [toolCallId]: answered });
    });
  }

  /**
   * Decides a tool call that waits for an approval. The approver must be of the same tenant, hold
   * one of the approver roles, and (unless the rule allows it) not be the caller who asked. Approved,
   * the tool runs with exactly the arguments that were shown; denied (or decided after the approval
   * expired), the model gets "denied by <approver>: <reason>" as the tool's result. The run then
   * continues as the caller who asked.
   */
  async decide(checkpoint: Checkpoint | unknown, decision: ApprovalDecision, opts: DecideOptions): Promise<RunResult> {
    const body = this.openCheckpoint(checkpoint);
    const approval = body.pending.approval;
    if (!approval) throw new CheckpointInvalidError('this run does not wait for an approval');
    if (decision?.decision !== 'approve' && decision?.decision !== 'deny') throw new AgentError('invalid_input', 'decision must be approve or deny');
    const approver = opts.approver;
    const call = lastCalls(body).find((c) => c.id === body.pending.toolCallId)!;
    checkApprover(approval, approver, body.identity, call);
    return this.settle(body, opts, { approve: decision.decision === 'approve', reason: decision.reason, approver: { tenant: approver.tenant, principal: approver.principal } });
  }

  /**
   * Settles a call nobody decided before its approval expired: the model gets "denied: the approval
   * expired" and the run continues as the caller who asked. Throws CheckpointInvalidError before the
   * expiry (only a decide() can settle it then).
   */
  async expire(checkpoint: Checkpoint | unknown, opts: Omit<DecideOptions, 'approver'> = {}): Promise<RunResult> {
    const body = this.openCheckpoint(checkpoint);
    const approval = body.pending.approval;
    if (!approval) throw new CheckpointInvalidError('this run does not wait for an approval');
    if (this.now() < Date.parse(approval.expiresAt)) throw new CheckpointInvalidError('the approval has not expired yet');
    return this.settle(body, opts, { approve: false });
  }

  /** Runs the approved call, or answers the model with the denial, then continues the turn. */
  private settle(body: CheckpointBody, opts: Omit<DecideOptions, 'approver'>, decision: { approve: boolean; reason?: string; approver?: { tenant?: string; principal?: string } }): Promise<RunResult> {
    const approval = body.pending.approval!;
    const call = lastCalls(body).find((c) => c.id === body.pending.toolCallId)!;
    return this.reopen(body, opts, body.roles, async (state, calls) => {
      const expired = !(this.now() < Date.parse(approval.expiresAt));
      const approved = decision.approve && !expired;
      const reason = expired ? 'the approval expired' : decision.reason;
      const who = decision.approver;
      this.emit(state, { type: 'approval.decided', approvalId: approval.id, toolCallId: call.id, tool: call.name, decision: approved ? 'approve' : 'deny', ...(who ? { approver: who } : {}), ...(reason ? { reason } : {}), expired });
      if (approved) return this.continueTurn(state, calls, { ...body.results }, new Set([call.id]));
      const by = who ? ` by ${who.principal ?? 'an approver'}` : '';
      const denied: ToolResultMessage = { role: 'tool', toolCallId: call.id, name: call.name, content: `denied${by}${reason ? `: ${reason}` : ''}` };
      this.emit(state, { type: 'tool.end', toolCallId: call.id, tool: call.name, result: denied.content, isError: false, durationMs: 0 });
      return this.continueTurn(state, calls, { ...body.results, [call.id]: denied });
    });
  }

  /** A checkpoint of this agent, verified (signature, version, shape, pending call). */
  private openCheckpoint(checkpoint: unknown): CheckpointBody {
    assertCheckpointSecret(this.options.checkpointSecret);
    const body = verifyCheckpoint(checkpoint, this.options.checkpointSecret);
    if (body.agent !== this.name) throw new CheckpointInvalidError('issued by another agent');
    if (this.options.requireTenant && !body.identity.tenant) throw new TenantRequiredError();
    if (!lastCalls(body).some((c) => c.id === body.pending.toolCallId)) throw new CheckpointInvalidError('pending tool call not found');
    return body;
  }

  /**
   * Continues a checkpoint once: not expired, not revoked by an erasure, claimed (single use); the
   * claim goes back if the continuation fails before it used the checkpoint's answer.
   */
  private async reopen(body: CheckpointBody, opts: ResumeOptions, roles: readonly string[] | undefined, go: (state: RunState, calls: ToolCall[]) => Promise<RunResult>): Promise<RunResult> {
    throwIfAborted(opts.signal);
    const expiresAt = Date.parse(body.expiresAt);
    if (!(this.now() < expiresAt)) throw new CheckpointExpiredError();
    // An erasure after the pause moved the generation on: the checkpoint cannot bring that data back.
    if ((await this.checkpoints.generation(body.identity)) !== body.gen) throw new CheckpointRevokedError();
    const holder = opts.attemptKey ?? randomUUID();
    if (!(await this.checkpoints.claim(body.id, holder, expiresAt))) throw new CheckpointUsedError();
    const state = this.newState(body.runId, body.identity, [...body.turn], opts, roles ? [...roles] : []);
    state.output = this.outputSchema(opts.outputSchema);
    state.iterations = body.iterations;
    state.usage = body.usage;
    state.costUsd = body.costUsd;
    return this.guard(state, () => go(state, lastCalls(body))).catch(async (err: unknown) => {
      await this.checkpoints.release(body.id, holder).catch(() => undefined);
      throw err;
    });
  }

  private newState(runId: string, identity: MemoryIdentity, turn: LLMMessage[], per: { signal?: AbortSignal; stream?: boolean; recorders?: Recorder[]; tools?: Tool[] }, roles: string[] = []): RunState {
    let recorders: RecorderSet | undefined;
    if (per.recorders?.length) {
      recorders = new RecorderSet();
      for (const r of per.recorders) recorders.add(r);
    }
    return {
      runId,
      identity,
      turn,
      tools: this.toolsWith(per.tools),
      recorders,
      iterations: 0,
      usage: { input: 0, output: 0 },
      costUsd: 0,
      startedAt: performance.now(),
      signal: per.signal ?? new AbortController().signal,
      stream: per.stream ?? false,
      roles,
    };
  }

  private async loop(state: RunState, history: LLMMessage[]): Promise<RunResult> {
    for (;;) {
      throwIfAborted(state.signal);
      // Per call: a denied tool the model called anyway joins the declared ones.
      const specs = this.offeredTools(state).map(({ name, description, inputSchema }) => ({ name, description, inputSchema }));
      // Past the budget, one last call without tools forces a final answer.
      const final = state.iterations >= this.maxIterations;
      const response = await callModel(this.context(state), history, specs, final);
      const wantsTools = !final && response.toolCalls.length > 0;
      if (checkRunBudget(this.context(state)) === 'halt' && wantsTools) return this.budgetExceeded(state, response);
      state.turn.push(wantsTools ? { role: 'assistant', content: response.content, toolCalls: response.toolCalls } : { role: 'assistant', content: response.content });
      if (!wantsTools) return this.complete(state, response, final, state.output ? await structuredOutput(this.context(state), history, specs, response) : undefined);

      const outcome = await this.runTools(state, response.toolCalls);
      if (outcome.paused || outcome.approvals) return await this.pause(state, outcome, outcome.results);
      state.turn.push(...response.toolCalls.map((c: ToolCall) => outcome.results[c.id]));
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
      roles: state.roles,
      approved,
      ...(this.policy ? { authorize: (tool: string) => this.policy!.decide(tool, { tenant: state.identity.tenant, principal: state.identity.principal, roles: state.roles }) } : {}),
    });
  }

  /**
   * Finishes the paused turn: calls still without a result run now (an approved one runs; another
   * that needs approval pauses the run again), then the loop goes on.
   */
  private async continueTurn(state: RunState, calls: ToolCall[], results: Record<string, ToolResultMessage>, approved?: ReadonlySet<string>): Promise<RunResult> {
    const missing = calls.filter((c) => !results[c.id]);
    if (missing.length) {
      const outcome = await this.runTools(state, missing, approved);
      Object.assign(results, outcome.results);
      if (outcome.paused || outcome.approvals) return this.pause(state, outcome, results);
    }
    state.turn.push(...calls.map((c) => results[c.id]));
    const history = await loadHistory(this.context(state));
    return this.loop(state, history);
  }

  private budgetExceeded(state: RunState, response: LLMResponse): BudgetExceededResult {
    const base = this.resultBase(state);
    this.emit(state, { type: 'run.end', status: 'budget_exceeded', reply: response.content, usage: base.usage, costUsd: base.costUsd, iterations: base.iterations, stoppedEarly: true, durationMs: performance.now() - state.startedAt });
    return { status: 'budget_exceeded', ...base, reply: response.content, limitUsd: this.options.costBudget!.usd };
  }

  private async complete(state: RunState, response: LLMResponse, stoppedEarly: boolean, output?: { value: unknown; tier: OutputTier }): Promise<CompletedResult> {
    const { memory, recall } = this.options;
    // A structured reply is remembered (and returned) as its canonical JSON, whichever tier served it.
    const reply = output ? JSON.stringify(output.value) : response.content;
    if (output) state.turn[state.turn.length - 1] = { role: 'assistant', content: reply };
    if (memory) {
      // With recall on, user and assistant text is embedded so later runs can find it.
      const embeddings = recall ? await embedTurn(this.context(state)) : undefined;
      // Keyed by runId: a retried job or a replayed checkpoint of this run never writes the turn twice.
      await memory.append(state.identity, state.turn, { idempotencyKey: state.runId, ...(embeddings ? { embeddings } : {}) });
      this.emit(state, { type: 'memory.write', store: memory.name, count: state.turn.length });
    }
    const base = this.resultBase(state);
    this.emit(state, { type: 'run.end', status: 'completed', reply, usage: base.usage, costUsd: base.costUsd, iterations: base.iterations, stoppedEarly, durationMs: performance.now() - state.startedAt });
    const result: CompletedResult = { status: 'completed', ...base, reply, stopReason: response.stopReason, stoppedEarly };
    return output ? { ...result, output: output.value, outputTier: output.tier } : result;
  }

  /**
   * The run's output schema: the run's own, else the agent's. A run's JSON Schema may come from a
   * request, so it is compiled as untrusted input; a zod schema is code, like the agent's own.
   */
  private outputSchema(runSchema: OutputSchema | undefined): CompiledOutputSchema | undefined {
    if (runSchema === undefined) return this.options.output?.schema === undefined ? undefined : compileOutputSchema(this.options.output.schema);
    return typeof (runSchema as { safeParse?: unknown }).safeParse === 'function' ? compileOutputSchema(runSchema) : compileUntrustedSchema(runSchema);
  }

  /** Pauses on a pauseHere call, or else on the first call that waits for an approval. */
  private async pause(state: RunState, outcome: ToolTurnOutcome, results: Record<string, ToolResultMessage>): Promise<PausedResult> {
    assertCheckpointSecret(this.options.checkpointSecret);
    const issuedAt = this.now();
    const expiresAt = new Date(issuedAt + (this.options.checkpointTtlMs ?? DEFAULT_CHECKPOINT_TTL_MS)).toISOString();
    let pending: CheckpointBody['pending'];
    let pauseData: unknown;
    if (outcome.paused) {
      pending = { toolCallId: outcome.paused.call.id, tool: outcome.paused.call.name };
      pauseData = outcome.paused.data;
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
        agent: this.name,
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
      },
      this.options.checkpointSecret,
    );
    const base = this.resultBase(state);
    this.emit(state, { type: 'pause', toolCallId: pending.toolCallId, tool: pending.tool, pauseData: checkpoint.body.pauseData });
    this.emit(state, { type: 'run.end', status: 'paused', usage: base.usage, costUsd: base.costUsd, iterations: base.iterations, stoppedEarly: false, durationMs: performance.now() - state.startedAt });
    return { status: 'paused', ...base, checkpoint, pauseData: checkpoint.body.pauseData };
  }

  private resultBase(state: RunState) {
    return { runId: state.runId, conversationId: state.identity.conversationId, usage: state.usage, costUsd: state.costUsd, iterations: state.iterations };
  }

  private async guard<T>(state: RunState, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      this.emit(state, { type: 'run.error', code: typeof code === 'string' ? code : 'internal_error', message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /**
   * The tools the model is told about: only those the caller may use (a denied tool's name and
   * schema never reach the model), plus any it already called in this run (vendors refuse tool
   * history that names undeclared tools; such a call was refused and audited).
   */
  private offeredTools(state: RunState): Tool[] {
    if (!this.policy) return [...state.tools.values()];
    const subject = { tenant: state.identity.tenant, principal: state.identity.principal, roles: state.roles };
    const called = new Set(state.turn.flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.name) : [])));
    return [...state.tools.values()].filter((t) => called.has(t.name) || this.policy!.decide(t.name, subject).allowed);
  }

  /** The view of one run that its steps (model call, output tiers, memory) work with. */
  private context(state: RunState): RunContext {
    return {
      agent: this.name,
      options: this.options,
      state,
      emit: (body) => this.emit(state, body),
      scope: (body, work) => {
        const event = this.event(state, body);
        return this.recorders.scope(event, () => (state.recorders ? state.recorders.scope(event, work) : work()));
      },
    };
  }

  private event(state: RunState, body: AgentEventBody): AgentEvent {
    return { ...body, runId: state.runId, agent: this.name, at: Date.now() } as AgentEvent;
  }

  private emit(state: RunState, body: AgentEventBody): void {
    const event = this.event(state, body);
    this.recorders.emit(event);
    state.recorders?.emit(event);
  }
}
