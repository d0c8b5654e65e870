import type { LLMMessage, ToolCall, Usage } from '@agentnest/providers';
import { addUsage, noUsage, usageSince } from '../cost/pricing.js';
import type { PolicySubject } from '../policy/tool-policy.js';
import { DEFAULT_MAX_AGENT_DEPTH, subConversationId, subRunId, type RunLink } from '../team/run-link.js';
import { HANDOFF_PREFIX, refName, teamSpec, type AgentToolSpec, type HandoffSpec } from '../team/team-tool.js';
import type { ActiveRun } from './active-run.js';
import type { RunResult } from './agent.types.js';
import { describeToolWork } from './history-view.js';
import type { RunAgent } from './run-agent.js';
import { loadHistory } from './run-memory.js';
import type { RunState } from './run-state.js';
import type { SubRunOutcome, ToolTurnOutcome } from './tool-executor.js';

// Team routing: which agent has a conversation, handoffs, and agents called as tools.

/** The agent named `name` if `from` can reach it through handoffs (directly or through the agents it hands to). */
export function reachable(from: RunAgent, name: string): RunAgent | undefined {
  const seen = new Set<string>([from.name]);
  const queue: RunAgent[] = [from];
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

/** The agent that answered the last turn of this conversation, when it is another one `entry` hands off to. */
export function holderOf(entry: RunAgent, history: LLMMessage[], subject: PolicySubject): RunAgent | undefined {
  const last = history.findLast((m) => m.role === 'assistant');
  const name = last?.role === 'assistant' ? last.agent : undefined;
  return name && name !== entry.name && (!entry.access || entry.access.allows(name, subject)) ? reachable(entry, name) : undefined;
}

/** Why the model may not hand off to the spec's agent now, as text it can act on; undefined when it may. */
export function refuseHandoff(run: ActiveRun, spec: HandoffSpec): string | undefined {
  const target = run.agent.resolve(spec.target);
  if (!target) return `Error (unknown_agent): no agent named "${refName(spec.target)}" is available; answer the user yourself.`;
  if (run.state.team?.visited.includes(target.name)) return `Error (handoff_cycle): ${target.name} already had this conversation in this request; answer the user yourself.`;
  return undefined;
}

/** Hands the conversation to another agent: it continues this run with its own prompt, tools and policy. */
export async function handOff(run: ActiveRun, handoff: NonNullable<ToolTurnOutcome['handoff']>): Promise<RunResult> {
  const { state, agent: from } = run;
  const target = from.resolve(handoff.spec.target)!;
  const { reason } = handoff;
  run.emit({ type: 'handoff', from: from.name, to: target.name, reason, held: false });
  const team = (state.team ??= { entry: from.name, active: from.name, visited: [from.name] });
  team.visited.push(target.name);
  const work = describeToolWork(state.turn.slice(1)).filter((line) => !line.startsWith(HANDOFF_PREFIX));
  const note = [`The ${from.name} agent handed this conversation to you. Its reason: ${reason}`, ...(work.length ? ['What was done for this message before the handoff:', ...work.map((w) => `- ${w}`)] : []), 'Answer the user yourself.'].join('\n');
  team.handoff = { from: from.name, reason, start: state.turn.length, note };
  run.enter(target);
  const history = await loadHistory(run.context());
  return run.loop(history);
}

/** Where a sub-run of `target` stands in the tree (depth, chain, budget left), or why it may not run (text for the model). */
export function linkFor(state: RunState, caller: RunAgent, target: RunAgent, spec: AgentToolSpec, budgetBack = 0): RunLink | string {
  const depth = (state.link?.depth ?? 0) + 1;
  const maxDepth = state.link?.maxDepth ?? caller.options.maxAgentDepth ?? DEFAULT_MAX_AGENT_DEPTH;
  const above = state.link?.chain ?? [];
  const chain = above.at(-1) === caller.name ? above : [...above, caller.name];
  if (chain.includes(target.name)) return `Error (agent_cycle): ${target.name} is already working on this request (${[...chain, target.name].join(' → ')}); answer without it.`;
  if (depth > maxDepth) return `Error (agent_depth): agents may call agents at most ${maxDepth} levels deep; answer without ${target.name}.`;
  const halts = state.budget && (state.budget.onExceed ?? 'halt') === 'halt';
  const { options } = caller;
  return {
    parentRunId: state.runId,
    depth,
    maxDepth,
    chain: [...chain, target.name],
    sink: state.sink,
    ...(halts ? { budgetUsd: state.budget!.usd - state.costUsd + budgetBack } : {}),
    inherited: {
      pricingTable: options.pricingTable ?? state.inherited.pricingTable,
      ledger: options.ledger ?? state.inherited.ledger,
      checkpointSecret: options.checkpointSecret ?? state.inherited.checkpointSecret,
    },
    ...(spec.history === 'parent' ? { historyFrom: state.link?.historyFrom ?? state.identity } : {}),
  };
}

/** Runs an agent called as a tool, as the same caller, in its own conversation under this run's. */
export async function callAgent(run: ActiveRun, call: ToolCall, spec: AgentToolSpec): Promise<SubRunOutcome> {
  const { state } = run;
  const target = run.agent.resolve(spec.target);
  if (!target) return { content: `Error (unknown_agent): no agent named "${refName(spec.target)}" is available.`, isError: true };
  const link = linkFor(state, run.agent, target, spec);
  if (typeof link === 'string') return { content: link, isError: true };
  const identity = { ...state.identity, conversationId: subConversationId(state.identity.conversationId, call.name) };
  // A refusal thrown by the sub-run's start rejects this call like any other failure of the sub-run.
  const result = await run.startSub(target, { message: spec.toMessage(call.args), identity, runId: subRunId(state.runId, call.id), signal: state.signal, roles: state.roles, tools: state.runTools }, link);
  return rollUp(state, target, result, noUsage(), 0);
}

/** Adds what a sub-run spent since `before` to this run, and turns its result into the tool call's outcome. */
export function rollUp(state: RunState, target: RunAgent, result: RunResult, before: Usage, costBefore: number): SubRunOutcome {
  state.usage = addUsage(state.usage, usageSince(result.usage, before));
  state.costUsd += result.costUsd - costBefore;
  if (result.status === 'paused') return { paused: { data: result.pauseData, nested: result.checkpoint.body } };
  if (result.status === 'budget_exceeded') return { content: `Error (budget_exceeded): ${target.name} stopped because the run's cost budget is spent.`, isError: true };
  if (result.status === 'blocked') return { content: `Error (guardrail_tripped): ${target.name} refused: its guardrail "${result.guardrail}" tripped (${result.reason}).`, isError: true };
  return { content: result.text };
}
