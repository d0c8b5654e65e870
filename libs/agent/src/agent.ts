import { randomUUID } from 'node:crypto';
import type { MemoryIdentity } from '@agentnest/memory';
import { checkApprover } from './checkpoint/approval.js';
import type { Checkpoint } from './checkpoint/checkpoint.js';
import { promised } from './common/promised.js';
import { AgentConfigError, AgentError, CheckpointIdentityError, CheckpointInvalidError } from './errors/agent.errors.js';
import type { Recorder } from './events/agent-event.js';
import { LoggingRecorder, type LoggingOptions } from './events/logging.recorder.js';
import { StatusRecorder, type StatusListener } from './events/status.recorder.js';
import { subjectOf, type PolicySubject } from './policy/tool-policy.js';
import { DEFAULT_MAX_AGENT_DEPTH } from './team/run-link.js';
import { refName, teamSpec } from './team/team-tool.js';
import type { Tool } from './tools/tool.js';
import { checkAgentOptions } from './agent-options.js';
import { AgentRun } from './run/agent-run.js';
import type { AgentOptions, ApprovalDecision, DecideOptions, ResumeOptions, RunInput, RunResult } from './run/agent.types.js';
import { asContent, assertReachable, innermost, lastCalls, openCheckpoint } from './run/checkpoint-resume.js';
import { RunAgent } from './run/run-agent.js';
import type { RunContext } from './run/run-state.js';
import { prescreenAnswer, screenReason, type ScreenedAnswer } from './run/side-channels.js';

/**
 * An agent: a model, a system prompt and tools, run in a loop until the model answers without
 * calling tools. Build it once and run it many times: everything of one run (identity, roles,
 * signal, recorders, extra tools) is a run argument; state lives in memory and checkpoints.
 *
 * Agents compose: `agentTool(other)` lets this agent call another as a tool (a nested sub-run),
 * and `handoffs` lets it hand the conversation to another agent, which goes on with the same run.
 * This class is the definition and its public API; each run is an AgentRun.
 */
export class Agent {
  /** As given in AgentOptions. */
  readonly name: string;
  /** As given in AgentOptions. */
  readonly description?: string;
  /** The definition runs use (and other agents of a team reach through RunAgent.of). */
  private readonly definition: RunAgent;

  /** Opt-in helpers that attach ready-made recorders. */
  readonly enable = {
    /** Calls `onStatus` with a short human status ("Thinking…", "Running clock…") whenever it changes. */
    thinking: (opts: { onStatus: StatusListener }): (() => void) => this.attach(new StatusRecorder(opts.onStatus)),
    /** Logs the chosen event domains (`llm`, `tool`, `memory`, `cost`, `resilience`, ...) to a pino, winston or console logger. */
    logging: (opts: LoggingOptions): (() => void) => this.attach(new LoggingRecorder(opts)),
  };

  private constructor(options: AgentOptions) {
    this.name = options.name;
    this.description = options.description;
    this.definition = new RunAgent(this, options);
  }

  /** Checks the options (AgentConfigError naming the first problem) and builds the agent. */
  static create(options: AgentOptions): Agent {
    checkAgentOptions(options);
    const agent = new Agent(options);
    checkNesting(agent.definition, [agent.name], options.maxAgentDepth ?? DEFAULT_MAX_AGENT_DEPTH);
    return agent;
  }

  /** The tools this caller may use under the agent's policy (all of them without a policy), `extra` (a run's own tools) included. */
  allowedTools(subject: PolicySubject, extra?: Tool[]): Tool[] {
    const def = this.definition;
    return [...def.toolsWith(extra).values()].filter((t) => def.decideTool(t.name, t, subject).allowed);
  }

  /**
   * The agents this one reaches directly: those it calls as tools and those it may hand off to,
   * each by name with the agent when it resolves now (an object, or a name its `agents` lookup finds).
   */
  teamEdges(): { maxDepth: number; tools: Array<{ tool: string; name: string; agent?: Agent }>; handoffs: Array<{ name: string; agent?: Agent }> } {
    const def = this.definition;
    const edges = { maxDepth: def.options.maxAgentDepth ?? DEFAULT_MAX_AGENT_DEPTH, tools: [] as Array<{ tool: string; name: string; agent?: Agent }>, handoffs: [] as Array<{ name: string; agent?: Agent }> };
    for (const tool of def.tools.values()) {
      const spec = teamSpec(tool);
      if (!spec) continue;
      const edge = { name: refName(spec.target), agent: def.resolve(spec.target)?.member as Agent | undefined };
      if (spec.kind === 'agent') edges.tools.push({ tool: tool.name, ...edge });
      else edges.handoffs.push(edge);
    }
    return edges;
  }

  /** Sends every event of this agent's runs to `recorder`; returns a function that detaches it. */
  attach(recorder: Recorder): () => void {
    return this.definition.recorders.add(recorder);
  }

  /** Runs the agent on one message: model calls and tools until it replies, pauses, is blocked or spends its budget. */
  run(input: RunInput): Promise<RunResult> {
    return promised(() => {
      if (input?.runId !== undefined && (typeof input.runId !== 'string' || !/^[\w-]{1,128}$/.test(input.runId))) throw new AgentError('invalid_input', 'runId must be 1-128 letters, digits, _ or -');
      return AgentRun.start(this.definition, input);
    });
  }

  /** Continues a paused run; `answer` becomes the paused tool call's result. Nothing is written if the checkpoint is refused. */
  async resume(checkpoint: Checkpoint | unknown, answer: unknown, opts: ResumeOptions = {}): Promise<RunResult> {
    const def = this.definition;
    const body = openCheckpoint(def, checkpoint);
    if (opts.identity && (opts.identity.tenant !== body.identity.tenant || opts.identity.principal !== body.identity.principal)) {
      throw new CheckpointIdentityError();
    }
    if (innermost(body).pending.approval) throw new CheckpointInvalidError('this run waits for an approval: decide it with decide()');
    const roles = opts.identity?.roles ?? body.roles;
    assertReachable(def, body, subjectOf(body.identity, roles));
    // Screened before the checkpoint is claimed: an answer a guardrail trips on is refused, and the pause can be answered again.
    const screened = await this.screenAnswer(answer, body.identity, roles);
    return AgentRun.reopen(def, body, opts, roles, { kind: 'answer', answer: screened.text, screened: { ...screened, by: def } });
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
    return AgentRun.outside(this.definition, this.definition.newState(randomUUID(), identity, [], {}, [...roles]));
  }

  /**
   * Decides a tool call that waits for an approval (in this agent or in an agent it called as a
   * tool). The approver must be of the same tenant, hold one of the approver roles, and (unless the
   * rule allows it) not be the caller who asked. Approved, the tool runs with exactly the arguments
   * that were shown; denied (or decided after the approval expired), the model gets "denied by
   * <approver>: <reason>" as the tool's result. The run then continues as the caller who asked.
   */
  async decide(checkpoint: Checkpoint | unknown, decision: ApprovalDecision, opts: DecideOptions): Promise<RunResult> {
    const def = this.definition;
    const body = openCheckpoint(def, checkpoint);
    const leaf = innermost(body);
    const approval = leaf.pending.approval;
    if (!approval) throw new CheckpointInvalidError('this run does not wait for an approval');
    if (decision?.decision !== 'approve' && decision?.decision !== 'deny') throw new AgentError('invalid_input', 'decision must be approve or deny');
    const approver = opts.approver;
    const call = lastCalls(leaf).find((c) => c.id === leaf.pending.toolCallId)!;
    checkApprover(approval, approver, leaf.identity, call);
    // The run continues as the caller who asked, so only if they may still reach its agents (the policy may have changed since).
    assertReachable(def, body, subjectOf(body.identity, body.roles));
    return AgentRun.reopen(def, body, opts, body.roles, { kind: 'decision', approve: decision.decision === 'approve', reason: decision.reason, approver: { tenant: approver.tenant, principal: approver.principal } });
  }

  /**
   * Settles a call nobody decided before its approval expired: the model gets "denied: the approval
   * expired" and the run continues as the caller who asked. Throws CheckpointInvalidError before the
   * expiry (only a decide() can settle it then).
   */
  async expire(checkpoint: Checkpoint | unknown, opts: Omit<DecideOptions, 'approver'> = {}): Promise<RunResult> {
    const def = this.definition;
    const body = openCheckpoint(def, checkpoint);
    const approval = innermost(body).pending.approval;
    if (!approval) throw new CheckpointInvalidError('this run does not wait for an approval');
    if (def.now() < Date.parse(approval.expiresAt)) throw new CheckpointInvalidError('the approval has not expired yet');
    assertReachable(def, body, subjectOf(body.identity, body.roles));
    return AgentRun.reopen(def, body, opts, body.roles, { kind: 'decision', approve: false });
  }

  /** Throws what resume() would for who may continue this checkpoint (a bad checkpoint, an agent out of the caller's reach), before anything is queued. */
  checkContinuation(checkpoint: Checkpoint | unknown, subject: PolicySubject): void {
    assertReachable(this.definition, openCheckpoint(this.definition, checkpoint), subject);
  }
}

/** Refuses, at build time, agent tools given as objects that nest deeper than allowed (cycles cannot be built from objects). */
function checkNesting(agent: RunAgent, chain: string[], max: number): void {
  for (const tool of agent.tools.values()) {
    const spec = teamSpec(tool);
    const target = spec?.kind === 'agent' && typeof spec.target !== 'string' ? RunAgent.of(spec.target) : undefined;
    if (!target) continue;
    const path = [...chain, target.name];
    if (path.length - 1 > max) throw new AgentConfigError(`agent "${chain[0]}": agents called as tools nest ${path.length - 1} deep (${path.join(' → ')}), more than maxAgentDepth ${max}`);
    checkNesting(target, path, max);
  }
}
