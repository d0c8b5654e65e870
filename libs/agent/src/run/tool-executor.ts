import type { ToolCall } from '@agentnest/providers';
import type { MemoryIdentity } from '@agentnest/memory';
import { raceAbort } from '../common/abort.js';
import { RunAbortedError } from '../errors/agent.errors.js';
import type { AgentEventBody } from '../events/agent-event.js';
import { PauseSignal } from '../tools/pause.js';
import type { ApprovalRequirement, PolicyDecision } from '../policy/tool-policy.js';
import type { CheckpointBody } from '../checkpoint/checkpoint.js';
import { HANDOFF_PREFIX, teamSpec, type AgentToolSpec, type HandoffSpec, type TeamSpec } from '../team/team-tool.js';
import type { ToolResultMessage } from '../tools/tool-result.js';
import { describeValidationErrors, validatorFor, type Tool } from '../tools/tool.js';


export interface ToolTurnOutcome {
  /** Results by call id for every call that finished (paused calls and calls awaiting approval are missing). */
  results: Record<string, ToolResultMessage>;
  /** Set when a tool called `pauseHere` (or a sub-agent paused: `nested` is its checkpoint body); the first such call (in call order) pauses the run. */
  paused?: { call: ToolCall; data: unknown; nested?: CheckpointBody };
  /** Calls held back for an approval, in call order; the run pauses for the first (after any pauseHere). */
  approvals?: Array<{ call: ToolCall; requirement: ApprovalRequirement }>;
  /** Set when the model handed the conversation to another agent (a transfer is always the turn's only call). */
  handoff?: { call: ToolCall; spec: HandoffSpec; reason: string };
}

/** How an agent called as a tool ended: a result for the model, or a pause of the whole run. */
export type SubRunOutcome = { content: string; isError?: boolean } | { paused: { data: unknown; nested: CheckpointBody } };

interface ExecutionScope {
  runId: string;
  agent: string;
  identity: MemoryIdentity;
  signal: AbortSignal;
  emit(event: AgentEventBody): void;
  /** The tool policy's verdict for a call; absent means every tool is allowed. */
  authorize?(tool: string): PolicyDecision;
  /** The caller's roles, reported in policy audit events. */
  roles?: string[];
  /** Calls already approved: they run now. */
  approved?: ReadonlySet<string>;
  /** Runs a tool's work inside the recorders' scope of its `tool.start` event, so what the work does (a sub-agent's spans) nests under the tool. */
  within?<T>(event: AgentEventBody, work: () => T): T;
  /** Runs an agent called as a tool. */
  callAgent?(call: ToolCall, spec: AgentToolSpec): Promise<SubRunOutcome>;
  /** Says why a handoff cannot happen (text for the model), or undefined when it may. */
  refuseHandoff?(spec: HandoffSpec): string | undefined;
  /** The tool guardrails: what the model reads of a result (they may rewrite it, or trip and end the run). */
  screen?(call: ToolCall, content: string): Promise<string>;
}

// A tool that needs approval without a policy rule naming approvers: any other principal of the tenant.
const ANY_APPROVER: Omit<ApprovalRequirement, 'rule'> = { approverRoles: [], selfApproval: false };

const asContent = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));

/**
 * Runs one turn's tool calls concurrently. Unknown tools, invalid arguments and tool exceptions
 * become error results for the model; only an abort escapes.
 */
/** The code in the result of a second pause in one turn. */
export const PAUSE_CONFLICT = 'pause_conflict';
/** The code in the result of a transfer called beside other tools. */
export const HANDOFF_ALONE = 'handoff_alone';

/** What the calls of one turn leave besides their results: pauses, calls held for approval, a handoff. */
interface TurnLedger {
  pauses: Map<string, { data: unknown; nested?: CheckpointBody }>;
  approvals: Map<string, ApprovalRequirement>;
  handoff?: ToolTurnOutcome['handoff'];
}

export async function executeToolCalls(calls: ToolCall[], tools: ReadonlyMap<string, Tool>, scope: ExecutionScope): Promise<ToolTurnOutcome> {
  const turn: TurnLedger = { pauses: new Map(), approvals: new Map() };
  const settled = await Promise.all(calls.map((call) => runCall(call, calls.length, tools, scope, turn)));
  return collect(calls, settled, turn);
}

/** One call: refused by the policy, held for an approval, or run (a tool, a handoff, an agent); undefined when it paused or waits. */
async function runCall(call: ToolCall, callCount: number, tools: ReadonlyMap<string, Tool>, scope: ExecutionScope, turn: TurnLedger): Promise<ToolResultMessage | undefined> {
  const started = performance.now();
  const finish = (content: string, isError: boolean): ToolResultMessage => {
    scope.emit({ type: 'tool.end', toolCallId: call.id, tool: call.name, result: content, isError, durationMs: performance.now() - started });
    return isError ? { role: 'tool', toolCallId: call.id, name: call.name, content, isError } : { role: 'tool', toolCallId: call.id, name: call.name, content };
  };
  const verdict = scope.authorize?.(call.name);
  if (verdict && !verdict.allowed) {
    const { tenant, principal } = scope.identity;
    scope.emit({ type: 'tool.denied', toolCallId: call.id, tool: call.name, rule: verdict.rule, tenant, principal, roles: scope.roles ?? [] });
    // The model gets a plain refusal it can explain to the user; the tool never runs.
    return { role: 'tool', toolCallId: call.id, name: call.name, content: `Error: you are not allowed to use the tool "${call.name}" for this user (policy rule ${verdict.rule}). Tell the user it is not permitted.`, isError: true };
  }
  const tool = tools.get(call.name);
  const validate = tool && validatorFor(tool.inputSchema);
  const valid = !!validate && validate(call.args);
  if (tool && valid && !scope.approved?.has(call.id)) {
    // Held back, not started: the call runs once approved, with exactly these arguments.
    const requirement = approvalFor(tool, call, verdict, scope);
    if (requirement) {
      turn.approvals.set(call.id, requirement);
      return undefined;
    }
  }
  const startEvent: AgentEventBody = { type: 'tool.start', toolCallId: call.id, tool: call.name, args: call.args };
  scope.emit(startEvent);
  // Only the tools the caller may use are named: a policy-hidden tool's name must not reach the model this way either.
  if (!tool) return finish(`Error: unknown tool "${call.name}". Available tools: ${[...tools.keys()].filter((name) => scope.authorize?.(name).allowed ?? true).join(', ') || 'none'}.`, true);
  if (!valid) return finish(`Error: invalid arguments for ${call.name}: ${describeValidationErrors(validate!)}`, true);
  const team = teamSpec(tool);
  if (team?.kind === 'handoff') {
    const handed = handOffCall(call, team, callCount, scope, turn);
    return finish(handed.content, handed.isError);
  }
  const result = await invoke(call, tool, team, startEvent, scope, turn);
  if (!result) return undefined;
  // What the tool produced (its result, or the text of its exception) passes the tool guardrails before the model reads it.
  return finish(scope.screen ? await scope.screen(call, result.content) : result.content, result.isError);
}

/** A transfer: refused (text for the model), or recorded for the loop to hand the conversation on. */
function handOffCall(call: ToolCall, team: HandoffSpec, callCount: number, scope: ExecutionScope, turn: TurnLedger): { content: string; isError: boolean } {
  // Other calls of the same turn would run for an agent that no longer holds the conversation.
  if (callCount > 1) return { content: `Error (${HANDOFF_ALONE}): a transfer must be the only tool call of its turn; call ${call.name} again on its own.`, isError: true };
  const refused = scope.refuseHandoff ? scope.refuseHandoff(team) : 'Error: handoffs are not available here.';
  if (refused) return { content: refused, isError: true };
  turn.handoff = { call, spec: team, reason: String(call.args.reason) };
  return { content: `Transferred to ${call.name.slice(HANDOFF_PREFIX.length)}.`, isError: false };
}

/** Runs a tool (or an agent called as one); undefined when it paused. A tool's exception becomes an error result; an abort or a sub-agent's failure escapes. */
async function invoke(call: ToolCall, tool: Tool, team: TeamSpec | undefined, startEvent: AgentEventBody, scope: ExecutionScope, turn: TurnLedger): Promise<{ content: string; isError: boolean } | undefined> {
  const within = scope.within ?? (<T>(_e: AgentEventBody, work: () => T): T => work());
  try {
    if (team?.kind === 'agent') {
      const outcome = await within(startEvent, () => scope.callAgent!(call, team));
      if ('paused' in outcome) {
        turn.pauses.set(call.id, outcome.paused);
        return undefined;
      }
      return { content: outcome.content, isError: outcome.isError ?? false };
    }
    const ctx = { runId: scope.runId, agent: scope.agent, toolCallId: call.id, identity: scope.identity, signal: scope.signal };
    const value = await within(startEvent, () => raceAbort(Promise.resolve().then(() => tool.execute(call.args, ctx)), scope.signal));
    return { content: asContent(value), isError: false };
  } catch (err) {
    if (err instanceof RunAbortedError) throw err;
    if (err instanceof PauseSignal) {
      turn.pauses.set(call.id, { data: err.data });
      return undefined;
    }
    // A sub-agent that failed (its provider, a tenant budget) fails the whole run, as the caller's own model call would.
    if (team?.kind === 'agent') throw err;
    return { content: `Error: ${call.name} failed: ${err instanceof Error ? err.message : String(err)}`, isError: true };
  }
}

/** The turn's outcome in call order: results, the first pause, the calls waiting for approval, a handoff. */
function collect(calls: ToolCall[], settled: Array<ToolResultMessage | undefined>, turn: TurnLedger): ToolTurnOutcome {
  const results: Record<string, ToolResultMessage> = {};
  let paused: ToolTurnOutcome['paused'];
  const awaiting: NonNullable<ToolTurnOutcome['approvals']> = [];
  calls.forEach((call, i) => {
    const result = settled[i];
    if (result) results[call.id] = result;
    else if (turn.approvals.has(call.id)) awaiting.push({ call, requirement: turn.approvals.get(call.id)! });
    else if (!paused) paused = { call, ...turn.pauses.get(call.id)! };
    // One pause per turn: a second pause cannot be resumed separately, so it is answered with an
    // error the model can act on (ask again after the first answer), with a stable code in the text.
    else results[call.id] = { role: 'tool', toolCallId: call.id, name: call.name, content: `Error (${PAUSE_CONFLICT}): another tool paused this turn; ask again after its answer.`, isError: true };
  });
  const { handoff } = turn;
  return { results, ...(paused ? { paused } : {}), ...(awaiting.length ? { approvals: awaiting } : {}), ...(handoff ? { handoff } : {}) };
}

/** What approving this call takes, if it needs an approval: the policy's approve rule, else the tool's own flag. */
function approvalFor(tool: Tool, call: ToolCall, verdict: PolicyDecision | undefined, scope: ExecutionScope): ApprovalRequirement | undefined {
  if (verdict?.allowed && verdict.approval) return verdict.approval;
  const flag = tool.needsApproval;
  let needed = flag === true;
  if (typeof flag === 'function') {
    try {
      needed = flag(call.args, { identity: scope.identity, roles: scope.roles ?? [] });
    } catch {
      needed = true; // a check that fails asks for an approval rather than letting the call through
    }
  }
  return needed ? { rule: 'tool', ...ANY_APPROVER } : undefined;
}
