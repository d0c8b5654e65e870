import type { MemoryIdentity } from '@agentnest/memory';
import type { LLMMessage } from '@agentnest/providers';
import { AgentConfigError } from '../errors/agent.errors.js';
import { InMemoryCheckpointLedger, type CheckpointLedger } from '../checkpoint/checkpoint-ledger.js';
import { noUsage } from '../cost/pricing.js';
import type { Recorder } from '../events/agent-event.js';
import { NarrativeRecorder } from '../events/narrative.recorder.js';
import { RecorderSet } from '../events/recorder-set.js';
import { compileOutputSchema, isZod, type CompiledOutputSchema, type OutputSchema } from '../output/output-schema.js';
import { compileUntrustedSchema } from '../output/untrusted-schema.js';
import { AgentAccess } from '../policy/agent-access.js';
import { PolicyEngine, subjectOf, type PolicyDecision, type PolicySubject } from '../policy/tool-policy.js';
import type { RunLink } from '../team/run-link.js';
import { handoffTool, refName, teamSpec, type AgentRef, type TeamMember } from '../team/team-tool.js';
import type { Tool } from '../tools/tool.js';
import type { AgentOptions, RunTools } from './agent.types.js';
import { TokenEstimator } from './context-window.js';
import type { RunState } from './run-state.js';
import { stopConditions, type StopCondition } from './stop-condition.js';

/** What the model is told of a tool, made once per tool: every call sends the same objects (their sizes are counted once). */
const declarations = new WeakMap<Tool, { name: string; description: string; inputSchema: Tool['inputSchema'] }>();
const declaration = (tool: Tool) => {
  let d = declarations.get(tool);
  if (!d) declarations.set(tool, (d = { name: tool.name, description: tool.description, inputSchema: tool.inputSchema }));
  return d;
};

/** Each agent object's definition, so a team reaches another agent's runs through this port and never through its private members. */
const definitions = new WeakMap<object, RunAgent>();

/** What a run is given of the caller's per-run options. */
export interface RunExtras {
  signal?: AbortSignal;
  stream?: boolean;
  recorders?: Recorder[];
  tools?: RunTools;
}

/**
 * An agent's definition as its runs use it: options checked and compiled once (tools by name,
 * policies, the token estimator, stop conditions), the recorders attached to it, and its
 * checkpoint ledger. One per `Agent`; every run, and every team member's run, reads it.
 */
export class RunAgent {
  readonly name: string;
  readonly tools: ReadonlyMap<string, Tool>;
  /** True when the agent may hand off: its runs track who holds the conversation. */
  readonly handsOff: boolean;
  readonly recorders = new RecorderSet();
  readonly estimator: TokenEstimator;
  readonly stopWhen: readonly StopCondition[];
  readonly policy?: PolicyEngine;
  readonly access?: AgentAccess;
  readonly checkpoints: CheckpointLedger;
  readonly now: () => number;

  constructor(
    /** The agent object this defines (what `agents` lookups and agent refs return). */
    readonly member: TeamMember,
    readonly options: AgentOptions,
  ) {
    this.name = options.name;
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
    this.stopWhen = stopConditions(options.stopWhen, options.maxIterations);
    if (options.policy) this.policy = new PolicyEngine(options.policy);
    if (options.access) this.access = options.access instanceof AgentAccess ? options.access : new AgentAccess(options.access);
    this.now = options.now ?? Date.now;
    this.checkpoints = options.checkpointLedger ?? new InMemoryCheckpointLedger(this.now);
    definitions.set(member, this);
  }

  /** The definition of an agent object; undefined for anything that is not an agent. */
  static of(member: unknown): RunAgent | undefined {
    return member && typeof member === 'object' ? definitions.get(member) : undefined;
  }

  /** Resolves an agent named in a handoff or agent tool: an object as given, a name through `agents`. */
  resolve(ref: AgentRef): RunAgent | undefined {
    return RunAgent.of(typeof ref === 'string' ? this.options.agents?.(ref) : ref);
  }

  /** The agents' own tools plus a run's own; a run's tool may not shadow one of the agent's. */
  toolsWith(extra: Tool[] | undefined): ReadonlyMap<string, Tool> {
    if (!extra?.length) return this.tools;
    const tools = new Map(this.tools);
    for (const tool of extra) {
      if (tools.has(tool.name)) throw new AgentConfigError(`agent "${this.name}" has two tools named "${tool.name}"`);
      tools.set(tool.name, tool);
    }
    return tools;
  }

  /** The tool policy's decision on a tool and, for a handoff or agent tool, the access policy's on the agent it reaches (which comes first). */
  decideTool(name: string, tool: Tool | undefined, subject: PolicySubject): PolicyDecision {
    const spec = this.access && teamSpec(tool);
    if (spec) {
      const reached = this.access!.decide(this.resolve(spec.target)?.name ?? refName(spec.target), subject);
      if (!reached.allowed) return reached;
    }
    return this.policy ? this.policy.decide(name, subject) : { allowed: true };
  }

  /** True when a policy decides which tools a caller may use. */
  get guarded(): boolean {
    return !!(this.policy || this.access);
  }

  /** The tool declarations of the next model call (per call: a denied tool the model called anyway joins them). */
  specs(state: RunState) {
    return this.offeredTools(state).map(declaration);
  }

  /**
   * The tools the model is told about: only those the caller may use (a denied tool's name and
   * schema never reach the model), plus any it already called in this run (vendors refuse tool
   * history that names undeclared tools; such a call was refused and audited).
   */
  offeredTools(state: RunState): Tool[] {
    if (!this.guarded) return [...state.tools.values()];
    const subject = subjectOf(state.identity, state.roles);
    const called = calledTools(state.turn);
    return [...state.tools.values()].filter((t) => called.has(t.name) || this.decideTool(t.name, t, subject).allowed);
  }

  /**
   * The run's output schema: the run's own, else the agent's. A run's JSON Schema may come from a
   * request, so it is compiled as untrusted input; a zod schema is code, like the agent's own.
   */
  outputSchema(runSchema: OutputSchema | undefined): CompiledOutputSchema | undefined {
    if (runSchema === undefined) return this.options.output?.schema === undefined ? undefined : compileOutputSchema(this.options.output.schema);
    return isZod(runSchema) ? compileOutputSchema(runSchema) : compileUntrustedSchema(runSchema);
  }

  /** The state of a new run (or of a reopened one, before its checkpoint's figures are put back). */
  newState(runId: string, identity: MemoryIdentity, turn: LLMMessage[], per: RunExtras, roles: string[] = [], link?: RunLink): RunState {
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
      steps: [],
      usage: noUsage(),
      costUsd: 0,
      startedAt: performance.now(),
      signal: per.signal ?? new AbortController().signal,
      // A sub-agent's text is its caller's tool result, not the reply being streamed.
      stream: link ? false : (per.stream ?? false),
      roles,
    };
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

}

/** Names of the tools called in a turn. */
export const calledTools = (turn: LLMMessage[]): Set<string> => new Set(turn.flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.name) : [])));
