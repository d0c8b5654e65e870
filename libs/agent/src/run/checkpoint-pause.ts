import { randomBytes } from 'node:crypto';
import { requestApproval, type ApprovalPauseData } from '../checkpoint/approval.js';
import { assertCheckpointSecret, signCheckpoint, type CheckpointBody } from '../checkpoint/checkpoint.js';
import { DEFAULT_CHECKPOINT_TTL_MS } from '../checkpoint/checkpoint-ledger.js';
import type { ToolResultMessage } from '../tools/tool-result.js';
import type { ActiveRun } from './active-run.js';
import type { PausedResult } from './agent.types.js';
import { emitEnd, resultBase } from './run-end.js';
import type { ToolTurnOutcome } from './tool-executor.js';

/** What the checkpoint's pending entry says and what the caller is shown, for a pauseHere call (or a sub-agent's pause) or an approval. */
function pending(run: ActiveRun, outcome: ToolTurnOutcome, issuedAt: number): { pending: CheckpointBody['pending']; pauseData: unknown } {
  if (outcome.paused) {
    const { call, data, nested } = outcome.paused;
    // A sub-agent's pause: its checkpoint rides inside this one, and its approval (if any) shows at the top.
    return { pending: { toolCallId: call.id, tool: call.name, ...(nested ? { sub: nested, ...(nested.pending.approval ? { approval: nested.pending.approval } : {}) } : {}) }, pauseData: data };
  }
  const asked = requestApproval(outcome.approvals![0], run.state.identity, issuedAt, run.agent.options.approvalTtlMs);
  const { approvalId, argsHash, requestedBy, approverRoles, expiresAt } = asked.pauseData as ApprovalPauseData;
  run.emit({ type: 'approval.requested', approvalId, toolCallId: asked.pending.toolCallId, tool: asked.pending.tool, argsHash, requestedBy, approverRoles, expiresAt });
  return asked;
}

/** Pauses on a pauseHere call (or a sub-agent's pause), or else on the first call that waits for an approval: a signed checkpoint continues it. */
export async function pause(run: ActiveRun, outcome: ToolTurnOutcome, results: Record<string, ToolResultMessage>): Promise<PausedResult> {
  const { state, agent } = run;
  const secret = agent.options.checkpointSecret ?? state.inherited.checkpointSecret;
  assertCheckpointSecret(secret);
  const issuedAt = agent.now();
  const expiresAt = new Date(issuedAt + (agent.options.checkpointTtlMs ?? DEFAULT_CHECKPOINT_TTL_MS)).toISOString();
  const paused = pending(run, outcome, issuedAt);
  const checkpoint = signCheckpoint(
    {
      id: randomBytes(16).toString('base64url'),
      expiresAt,
      gen: await agent.checkpoints.generation(state.identity),
      agent: state.team?.entry ?? agent.name,
      runId: state.runId,
      identity: state.identity,
      ...(state.roles.length ? { roles: state.roles } : {}),
      turn: state.turn,
      results,
      pending: paused.pending,
      pauseData: paused.pauseData,
      iterations: state.iterations,
      usage: state.usage,
      costUsd: state.costUsd,
      createdAt: new Date(issuedAt).toISOString(),
      ...(state.team ? { team: state.team } : {}),
    },
    secret,
  );
  run.emit({ type: 'pause', toolCallId: paused.pending.toolCallId, tool: paused.pending.tool, pauseData: checkpoint.body.pauseData });
  emitEnd(run, 'paused', false);
  return { status: 'paused', ...resultBase(run), checkpoint, pauseData: checkpoint.body.pauseData };
}
