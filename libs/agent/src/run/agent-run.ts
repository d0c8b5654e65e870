import { randomUUID } from 'node:crypto';
import type { LLMMessage, LLMResponse, ToolCall } from '@agentnest/providers';
import { GLOBAL_CONVERSATION, validateIdentity } from '@agentnest/memory';
import type { CheckpointBody } from '../checkpoint/checkpoint.js';
import { raceAbort, throwIfAborted } from '../common/abort.js';
import { continuationUsed, markContinuationUsed } from '../errors/continuation-used.js';
import { AgentError, CheckpointExpiredError, CheckpointInvalidError, CheckpointRevokedError, CheckpointUsedError, TenantRequiredError } from '../errors/agent.errors.js';
import type { AgentEvent, AgentEventBody } from '../events/agent-event.js';
import { GuardrailTripped } from '../guardrails/guardrail.js';
import { screen } from '../guardrails/screen.js';
import { subjectOf } from '../policy/tool-policy.js';
import type { RunLink } from '../team/run-link.js';
import type { Tool } from '../tools/tool.js';
import type { ToolResultMessage } from '../tools/tool-result.js';
import type { ActiveRun, PendingAction } from './active-run.js';
import type { ResumeOptions, RunInput, RunResult } from './agent.types.js';
import { applyPending } from './checkpoint-resume.js';
import { pause } from './checkpoint-pause.js';
import { callModel, checkRunBudget, plannedDrop } from './model-call.js';
import { narrated } from './narrated.js';
import { structuredOutput } from './output-tiers.js';
import { blocked, budgetExceeded, complete } from './run-end.js';
import { gatedCall, screenContext, screenMessage } from './run-guardrails.js';
import { loadHistory, recall } from './run-memory.js';
import type { RunAgent } from './run-agent.js';
import type { RunContext, RunState } from './run-state.js';
import { finishStep, prepareStep, runSeams, stepTools } from './step-seams.js';
import { rebuildSteps } from './step.js';
import { isStopped } from './stop-condition.js';
import { refreshSummary } from './summary.js';
import { callAgent, handOff, holderOf, reachable, refuseHandoff } from './team-routing.js';
import { executeToolCalls, type ToolTurnOutcome } from './tool-executor.js';

/**
 * One run: its state and its step loop. A step is one model call and the tools it called; the loop
 * goes on until the model answers without tools, a stop condition ends the tool calls, the run
 * pauses, or it ends blocked or over budget. Checkpoints and approvals, team routing and the run's
 * end are units it calls with itself as their ActiveRun.
 */
export class AgentRun implements ActiveRun {
  private view?: RunContext;
  /** A tool of this run has started: a continuation that fails after it must not be run again. */
  startedTools = false;

  private constructor(
    private current: RunAgent,
    readonly state: RunState,
  ) {}

  get agent(): RunAgent {
    return this.current;
  }

  /** Starts a run: one a caller asked for, or (`link`) the sub-run of an agent tool. Throws synchronously what it refuses before any I/O. */
  static start(agent: RunAgent, input: RunInput, link?: RunLink): Promise<RunResult> {
    if (typeof input?.message !== 'string') throw new AgentError('invalid_input', 'run() needs a string message');
    const identity = validateIdentity(input.identity ?? { conversationId: GLOBAL_CONVERSATION });
    if (agent.options.requireTenant && !identity.tenant) throw new TenantRequiredError();
    throwIfAborted(input.signal);
    const output = agent.outputSchema(input.outputSchema);
    const seams = runSeams(input, agent.options.maxIterations);
    const state = agent.newState(input.runId ?? randomUUID(), identity, [{ role: 'user', content: input.message }], input, input.roles, link);
    state.output = output;
    if (seams) state.seams = seams;
    const run = new AgentRun(agent, state);
    return run.guard(() => run.begin(input));
  }

  /** The first step's preparations: the message screened, history loaded (by the agent that holds the conversation), summary and recall. */
  private async begin(input: RunInput): Promise<RunResult> {
    const { state } = this;
    const message = await screenMessage(this.context(), input.message);
    let history = input.newConversation ? [] : await loadHistory(this.context());
    // The agent that answered the conversation's last turn still holds it: it answers this one.
    // Unless the caller may not call it now: the entry agent answers instead.
    const entry = this.current;
    const holder = state.team && holderOf(entry, history, subjectOf(state.identity, state.roles));
    if (holder) {
      this.emit({ type: 'handoff', from: entry.name, to: holder.name, reason: `${holder.name} holds this conversation`, held: true });
      state.team = { entry: entry.name, active: holder.name, visited: [holder.name] };
      this.enter(holder);
      if (holder.options.memory !== entry.options.memory) history = await loadHistory(this.context());
    }
    const { options } = this.current;
    // History the first call leaves out goes into the conversation's summary first (when summaries are on).
    if (options.context?.summarize) await refreshSummary(this.context(), history, plannedDrop(this.context(), history, this.current.specs(state)));
    // Most agents recall nothing: no call, no promise.
    if (options.recall) await recall(this.context(), message, history);
    return this.loop(history);
  }

  /**
   * Continues a checkpoint once: not expired, not revoked by an erasure, claimed (single use); the
   * claim goes back if the continuation fails before it used the checkpoint's answer. A sub-agent's
   * checkpoint inside it is continued the same way by that agent, with `link` to this run.
   */
  static async reopen(agent: RunAgent, body: CheckpointBody, opts: ResumeOptions, roles: readonly string[] | undefined, action: PendingAction, link?: RunLink): Promise<RunResult> {
    throwIfAborted(opts.signal);
    const expiresAt = Date.parse(body.expiresAt);
    if (!(agent.now() < expiresAt)) throw new CheckpointExpiredError();
    // An erasure after the pause moved the generation on: the checkpoint cannot bring that data back.
    if ((await agent.checkpoints.generation(body.identity)) !== body.gen) throw new CheckpointRevokedError();
    const holder = opts.attemptKey ?? randomUUID();
    if (!(await agent.checkpoints.claim(body.id, holder, expiresAt))) throw new CheckpointUsedError();
    const state = agent.newState(body.runId, body.identity, [...body.turn], opts, roles ? [...roles] : [], link);
    state.output = agent.outputSchema(opts.outputSchema);
    state.iterations = body.iterations;
    state.usage = body.usage;
    // Signed, but written by whatever version paused: a cost that is not a sane amount restarts at 0 rather than disabling the run's budget.
    state.costUsd = Number.isFinite(body.costUsd) && body.costUsd >= 0 ? body.costUsd : 0;
    state.steps = rebuildSteps(body.turn, agent.options.model, agent.name);
    const run = new AgentRun(agent, state);
    return run
      .guard(async () => {
        if (body.team) state.team = structuredClone(body.team);
        run.takeOver();
        await refreshSummary(run.context());
        return applyPending(run, body, action, opts.attemptKey);
      })
      .catch(async (err: unknown) => {
        // Once a tool of the continuation has started, its effects may have happened: the checkpoint
        // stays used, and the error says so, so no retry (a client's, or a queued job's) runs them twice.
        if (run.startedTools || continuationUsed(err)) throw markContinuationUsed(err);
        await agent.checkpoints.release(body.id, holder).catch(() => undefined);
        throw err;
      });
  }

  /** A reopened run goes to the agent it was handed to before the pause (when not the entry agent). */
  private takeOver(): void {
    const name = this.state.team?.active;
    if (!name || name === this.current.name) return;
    const active = reachable(this.current, name);
    if (!active) throw new CheckpointInvalidError(`the agent "${name}" that has this run is gone`);
    this.enter(active);
  }

  startSub(target: RunAgent, input: RunInput, link: RunLink): Promise<RunResult> {
    return AgentRun.start(target, input, link);
  }

  reopenSub(target: RunAgent, body: CheckpointBody, opts: ResumeOptions, action: PendingAction, link: RunLink): Promise<RunResult> {
    return AgentRun.reopen(target, body, opts, this.state.roles, action, link);
  }

  enter(agent: RunAgent): void {
    const { state } = this;
    this.current = agent;
    this.view = undefined;
    state.tools = agent.toolsWith(state.runTools?.(agent.name));
    state.sink = state.sink.with(agent.recorders);
    if (state.team) state.team.active = agent.name;
  }

  async loop(history: LLMMessage[]): Promise<RunResult> {
    const { state } = this;
    for (;;) {
      throwIfAborted(state.signal);
      const agent = this.current;
      // Once a stop condition holds, one last call without tools forces a final answer.
      const stopping = state.steps.length ? isStopped(state.seams?.stopWhen ?? agent.stopWhen, state.steps) : false;
      const final = stopping === true || (stopping !== false && (await raceAbort(stopping, state.signal)));
      const preparing = prepareStep(this, history);
      const prepared = preparing && (await preparing);
      const { specs, tools } = stepTools(this, prepared);
      const call = () => callModel(this.context(), history, specs, final, undefined, prepared);
      const response = state.gate ? await gatedCall(state, call) : await call();
      // toolChoice 'none' is a hint some servers ignore: calls made anyway are not run, as on the final call.
      const wantsTools = !final && prepared?.toolChoice !== 'none' && response.toolCalls.length > 0;
      if (checkRunBudget(this.context()) === 'halt' && wantsTools) return budgetExceeded(this, response);
      // In a conversation several agents share, each assistant message says who wrote it (the next turn goes to the last one).
      const by = state.team ? { agent: agent.name } : {};
      state.turn.push(wantsTools ? { role: 'assistant', content: response.text, toolCalls: response.toolCalls, ...by } : { role: 'assistant', content: response.text, ...by });
      if (!wantsTools) return this.answer(response, final, history, specs);
      const outcome = await this.runTools(response.toolCalls, undefined, tools);
      if (outcome.paused || outcome.approvals) return await pause(this, outcome, outcome.results);
      const results = response.toolCalls.map((c: ToolCall) => outcome.results[c.id]);
      state.turn.push(...results);
      const finishing = finishStep(this, response, response.toolCalls, results);
      if (finishing) await finishing;
      if (outcome.handoff) return handOff(this, outcome.handoff);
      // A sub-agent's cost may have spent the run's budget: stop before paying for another call.
      if (checkRunBudget(this.context()) === 'halt') return budgetExceeded(this, response);
    }
  }

  /** The step that answered: reported, then the structured output (when asked for) and the run's end. */
  private async answer(response: LLMResponse, final: boolean, history: LLMMessage[], specs: Parameters<typeof structuredOutput>[2]): Promise<RunResult> {
    const finishing = finishStep(this, response, [], []);
    if (finishing) await finishing;
    return complete(this, response, final, this.state.output ? await structuredOutput(this.context(), history, specs, response) : undefined);
  }

  /** Runs tool calls under the policy; `approved` calls run without asking again. */
  private runTools(calls: ToolCall[], approved?: ReadonlySet<string>, tools: ReadonlyMap<string, Tool> = this.state.tools): Promise<ToolTurnOutcome> {
    const { state } = this;
    const agent = this.current;
    const guards = agent.options.guardrails?.tool;
    return executeToolCalls(calls, tools, {
      runId: state.runId,
      agent: agent.name,
      identity: state.identity,
      signal: state.signal,
      emit: (e) => this.emit(e),
      within: (e, work) => this.scope(e, work),
      callAgent: (call, spec) => callAgent(this, call, spec),
      ...(guards?.length ? { screen: async (call: ToolCall, content: string) => (await screen(guards, content, screenContext(this.context(), 'tool', call.name))).text } : {}),
      refuseHandoff: (spec) => refuseHandoff(this, spec),
      roles: state.roles,
      approved,
      ...(agent.guarded ? { authorize: (tool: string) => agent.decideTool(tool, state.tools.get(tool), subjectOf(state.identity, state.roles)) } : {}),
    });
  }

  async continueTurn(calls: ToolCall[], results: Record<string, ToolResultMessage>, approved?: ReadonlySet<string>): Promise<RunResult> {
    const { state } = this;
    const missing = calls.filter((c) => !results[c.id]);
    let handoff: ToolTurnOutcome['handoff'];
    if (missing.length) {
      const outcome = await this.runTools(missing, approved);
      Object.assign(results, outcome.results);
      if (outcome.paused || outcome.approvals) return pause(this, outcome, results);
      handoff = outcome.handoff;
    }
    const answered = calls.map((c) => results[c.id]);
    state.turn.push(...answered);
    const asked = state.turn.findLast((m) => m.role === 'assistant');
    await finishStep(this, { text: asked?.content ?? '', finishReason: 'tool-calls' }, calls, answered);
    if (handoff) return handOff(this, handoff);
    if (checkRunBudget(this.context()) === 'halt') return budgetExceeded(this, { text: '' });
    const history = await loadHistory(this.context());
    return this.loop(history);
  }

  /** Runs the run's work; a guardrail's trip ends it `blocked`, anything else is reported and thrown. */
  private async guard(work: () => Promise<RunResult>): Promise<RunResult> {
    const { state } = this;
    try {
      return narrated(state, await work());
    } catch (err) {
      if (err instanceof GuardrailTripped) return narrated(state, await blocked(this, err.trip));
      const code = (err as { code?: unknown } | null)?.code;
      this.emit({ type: 'run.error', code: typeof code === 'string' ? code : 'internal_error', message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  context(): RunContext {
    // Made once per run and agent: every step of a run asks for it.
    if (this.view) return this.view;
    const agent = this.current;
    this.view = { agent: agent.name, options: agent.options, estimator: agent.estimator, state: this.state, emit: (body) => this.emit(body), scope: (body, work) => this.scope(body, work) };
    return this.view;
  }

  private event(body: AgentEventBody): AgentEvent {
    // Stamped in place: every body is a fresh object made for this one event (copying it was a
    // measurable share of a run). A body emitted and then used as a scope gets the same stamp twice.
    const { state } = this;
    const event = body as AgentEvent;
    event.runId = state.runId;
    event.agent = this.current.name;
    event.at = Date.now();
    if (state.link) {
      event.parentRunId = state.link.parentRunId;
      event.depth = state.link.depth;
    }
    return event;
  }

  emit(body: AgentEventBody): void {
    if (body.type === 'tool.start') this.startedTools = true;
    if (!this.state.sink.empty) this.state.sink.emit(this.event(body));
  }

  scope<T>(body: AgentEventBody, work: () => T): T {
    return this.state.sink.empty ? work() : this.state.sink.scope(this.event(body), work);
  }

  /** A view of a run that never ran, for guardrails run outside any run (an answer or a reason screened before a resume): nothing is reported. */
  static outside(agent: RunAgent, state: RunState): RunContext {
    return { ...new AgentRun(agent, state).context(), emit: () => undefined };
  }
}
