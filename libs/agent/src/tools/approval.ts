import { createHash, randomBytes } from 'node:crypto';
import type { ToolCall } from '@agentnest/providers';
import type { MemoryIdentity } from '@agentnest/memory';
import { ApprovalForbiddenError, CheckpointIdentityError, CheckpointInvalidError } from '../agent.errors.js';
import { DEFAULT_APPROVAL_TTL_MS, type DecideOptions } from '../agent.types.js';
import { canonicalJson } from '../checkpoint/canonical-json.js';
import type { CheckpointBody } from '../checkpoint/checkpoint.js';
import type { ApprovalRequirement } from '../policy/tool-policy.js';

/** What a run paused for an approval shows: the exact call, who asked, who may decide, until when. */
export interface ApprovalPauseData {
  kind: 'approval';
  approvalId: string;
  tool: string;
  args: Record<string, unknown>;
  argsHash: string;
  requestedBy: { tenant?: string; principal?: string };
  approverRoles: string[];
  expiresAt: string;
}

type PendingApproval = NonNullable<CheckpointBody['pending']['approval']>;

/** What an approval binds: the tool and its exact arguments. */
export function argsHash(tool: string, args: unknown): string {
  return createHash('sha256').update(`${tool}\n${canonicalJson(args)}`).digest('base64url');
}

/** The checkpoint's pending entry and the pause data for a call that waits for an approval. */
export function requestApproval(
  waiting: { call: ToolCall; requirement: ApprovalRequirement },
  identity: MemoryIdentity,
  issuedAt: number,
  ttlMs = DEFAULT_APPROVAL_TTL_MS,
): { pending: CheckpointBody['pending']; pauseData: ApprovalPauseData } {
  const { call, requirement } = waiting;
  const approval: PendingApproval = {
    id: randomBytes(12).toString('base64url'),
    argsHash: argsHash(call.name, call.args),
    approverRoles: requirement.approverRoles,
    selfApproval: requirement.selfApproval,
    expiresAt: new Date(issuedAt + ttlMs).toISOString(),
  };
  return {
    pending: { toolCallId: call.id, tool: call.name, approval },
    pauseData: { kind: 'approval', approvalId: approval.id, tool: call.name, args: call.args, argsHash: approval.argsHash, requestedBy: { tenant: identity.tenant, principal: identity.principal }, approverRoles: approval.approverRoles, expiresAt: approval.expiresAt },
  };
}

/**
 * Throws unless `approver` may decide: same tenant as the caller who asked, one of the approver
 * roles (when the rule names any), not that caller (unless self-approval is allowed), and the call
 * is still the one that was shown.
 */
export function checkApprover(approval: PendingApproval, approver: DecideOptions['approver'] | undefined, requester: MemoryIdentity, call: ToolCall): void {
  if (!approver || approver.tenant !== requester.tenant) throw new CheckpointIdentityError();
  if (approval.approverRoles.length && !(approver.roles ?? []).some((role) => approval.approverRoles.includes(role))) {
    throw new ApprovalForbiddenError(`deciding needs one of the roles ${approval.approverRoles.join(', ')}`);
  }
  if (!approval.selfApproval && approver.principal === requester.principal) throw new ApprovalForbiddenError('the caller who asked may not approve their own call');
  if (argsHash(call.name, call.args) !== approval.argsHash) throw new CheckpointInvalidError('the call differs from the one shown for approval');
}
