import type { ToolCall } from '@agentnest/providers';
import { assertCheckpointSecret, verifyCheckpoint, type CheckpointBody } from '../checkpoint/checkpoint.js';
import { CheckpointInvalidError, TenantRequiredError, UnknownAgentError } from '../errors/agent.errors.js';
import type { AgentEventBody } from '../events/agent-event.js';
import type { PolicySubject } from '../policy/tool-policy.js';
import { teamSpec } from '../team/team-tool.js';
import type { ToolResultMessage } from '../tools/tool-result.js';
import type { ActiveRun, PendingAction } from './active-run.js';
import type { RunResult } from './agent.types.js';
import { pause } from './checkpoint-pause.js';
import type { RunAgent } from './run-agent.js';
import { screenAnswer, screenReason, screenStage } from './side-channels.js';
import { linkFor, rollUp } from './team-routing.js';

// Checkpoints and approvals on the way back in: opening a checkpoint, and giving its paused call a result.

/** The tool calls of the checkpointed turn (its last message). */
export const lastCalls = (body: CheckpointBody): ToolCall[] => {
  const last = body.turn.at(-1);
  return last?.role === 'assistant' ? (last.toolCalls ?? []) : [];
};

/** The checkpoint body of the agent that actually paused (a sub-agent's, when an agent tool paused). */
export const innermost = (body: CheckpointBody): CheckpointBody => (body.pending.sub ? innermost(body.pending.sub) : body);

export const asContent = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/** A checkpoint of `agent`, verified (signature, version, shape, pending call at every level). */
export function openCheckpoint(agent: RunAgent, checkpoint: unknown): CheckpointBody {
  assertCheckpointSecret(agent.options.checkpointSecret);
  const body = verifyCheckpoint(checkpoint, agent.options.checkpointSecret);
  if (body.agent !== agent.name) throw new CheckpointInvalidError('issued by another agent');
  if (agent.options.requireTenant && !body.identity.tenant) throw new TenantRequiredError();
  for (let level: CheckpointBody | undefined = body; level; level = level.pending.sub) {
    if (!lastCalls(level).some((c) => c.id === level!.pending.toolCallId)) throw new CheckpointInvalidError('pending tool call not found');
  }
  return body;
}

/**
 * Every agent a continuation would run must be one the caller may reach now: the one holding the
 * conversation after a handoff, and each sub-agent down to the paused call. A role revoked since the
 * pause (or the same principal's other key) cannot answer a denied agent's question.
 */
export function assertReachable(agent: RunAgent, body: CheckpointBody, subject: PolicySubject): void {
  if (!agent.access) return;
  for (let level: CheckpointBody | undefined = body; level; level = level.pending.sub) {
    for (const name of [level.agent, level.team?.active]) if (name && !agent.access.allows(name, subject)) throw new UnknownAgentError(name);
  }
}

/** Gives the paused call its result (an answer, a decision, or a sub-agent's continuation) and goes on with the turn. */
export async function applyPending(run: ActiveRun, body: CheckpointBody, action: PendingAction, attemptKey: string | undefined): Promise<RunResult> {
  const { toolCallId, tool, sub } = body.pending;
  const calls = lastCalls(body);
  const call = calls.find((c) => c.id === toolCallId)!;
  run.emit({ type: 'resume', toolCallId, tool, identity: body.identity, via: action.kind });
  if (sub) return resumeAgentCall(run, body, calls, call, sub, action, attemptKey);
  if (action.kind === 'answer') {
    // A person's answer: the input guardrails as for a message, then the tool guardrails as for a result.
    const content = await screenAnswer(run.context(), asContent(action.answer), tool, action.screened?.by === run.agent ? action.screened : undefined);
    const answered: ToolResultMessage = { role: 'tool', toolCallId, name: tool, content };
    run.emit({ type: 'tool.end', toolCallId, tool, result: answered.content, isError: false, durationMs: 0 });
    return run.continueTurn(calls, { ...body.results, [toolCallId]: answered });
  }
  return applyDecision(run, body, calls, action);
}

/** An approver's decision (or an expiry): approved, the call runs as shown; denied, the model reads why. */
async function applyDecision(run: ActiveRun, body: CheckpointBody, calls: ToolCall[], action: Extract<PendingAction, { kind: 'decision' }>): Promise<RunResult> {
  const { toolCallId, tool } = body.pending;
  const approval = body.pending.approval!;
  const expired = !(run.agent.now() < Date.parse(approval.expiresAt));
  const approved = action.approve && !expired;
  const reason = expired ? 'the approval expired' : action.reason && (await screenReason(run.context(), action.reason));
  const who = action.approver;
  run.emit({ type: 'approval.decided', approvalId: approval.id, toolCallId, tool, decision: approved ? 'approve' : 'deny', ...(who ? { approver: who } : {}), ...(reason ? { reason } : {}), expired });
  if (approved) return run.continueTurn(calls, { ...body.results }, new Set([toolCallId]));
  const by = who ? ` by ${who.principal ?? 'an approver'}` : '';
  // The approver's words reach the model as the call's result: fenced by the tool guardrails like any result.
  const denied: ToolResultMessage = { role: 'tool', toolCallId, name: tool, content: await screenStage(run.context(), 'tool', `denied${by}${reason ? `: ${reason}` : ''}`, tool) };
  run.emit({ type: 'tool.end', toolCallId, tool, result: denied.content, isError: false, durationMs: 0 });
  return run.continueTurn(calls, { ...body.results, [toolCallId]: denied });
}

/** Continues the sub-agent whose pause paused this run; its reply (or its next pause) is this call's outcome. */
async function resumeAgentCall(run: ActiveRun, body: CheckpointBody, calls: ToolCall[], call: ToolCall, sub: CheckpointBody, action: PendingAction, attemptKey: string | undefined): Promise<RunResult> {
  const { state, agent } = run;
  const spec = teamSpec(state.tools.get(call.name));
  const target = spec?.kind === 'agent' ? agent.resolve(spec.target) : undefined;
  if (spec?.kind !== 'agent' || target?.name !== sub.agent) throw new CheckpointInvalidError(`the agent tool "${call.name}" that paused is gone`);
  const link = linkFor(state, agent, target, spec, sub.costUsd);
  if (typeof link === 'string') throw new CheckpointInvalidError(link);
  const started = performance.now();
  const start: AgentEventBody = { type: 'tool.start', toolCallId: call.id, tool: call.name, args: call.args };
  run.emit(start);
  const result = await run.scope(start, () => run.reopenSub(target, sub, { signal: state.signal, attemptKey, tools: state.runTools }, action, link));
  const outcome = rollUp(state, target, result, sub.usage, sub.costUsd);
  if ('paused' in outcome) return pause(run, { results: {}, paused: { call, ...outcome.paused } }, { ...body.results });
  // A sub-agent's reply is a result like any other: the tool guardrails see it, as they do when the call does not pause.
  const content = await screenStage(run.context(), 'tool', outcome.content, call.name);
  run.emit({ type: 'tool.end', toolCallId: call.id, tool: call.name, result: content, isError: outcome.isError ?? false, durationMs: performance.now() - started });
  const message: ToolResultMessage = { role: 'tool', toolCallId: call.id, name: call.name, content, ...(outcome.isError ? { isError: true } : {}) };
  return run.continueTurn(calls, { ...body.results, [call.id]: message });
}
