import { createHash, randomBytes } from 'node:crypto';
import type { ToolCall } from '@agentnest/providers';
import type { MemoryIdentity } from '@agentnest/memory';
import { ApprovalForbiddenError, CheckpointIdentityError, CheckpointInvalidError } from '../errors/agent.errors.js';
import { canonicalJson } from '../common/canonical-json.js';
import type { CheckpointBody } from './checkpoint.js';
import type { ApprovalRequirement } from '../policy/tool-policy.js';

/** @default 24 hours for an approval */
export const DEFAULT_APPROVAL_TTL_MS = 24 * 3600 * 1000;

/**
 * Who decides an approval: same tenant as the caller who asked, one of the approver roles.
 * @inline
 */
export interface Approver {
  /** Must be the tenant of the caller who asked. */
  tenant?: string;
  /** Who decides (recorded; may not be the caller who asked unless self-approval is allowed). */
  principal?: string;
  /** The approver's roles, matched against the rule's approver roles. */
  roles?: readonly string[];
}

/** What a run paused for an approval shows: the exact call, who asked, who may decide, until when. */
export interface ApprovalPauseData {
  /** Tells an approval pause from a tool's own `pauseData`. */
  kind: 'approval';
  /** Names the approval: the id it is decided by (`AgentJobs.decideApproval` with queued runs). */
  approvalId: string;
  /** The model's id of the call (what chat clients key tool parts by). */
  toolCallId: string;
  /** The tool to be called. */
  tool: string;
  /** Its exact arguments: approving approves this call and no other. */
  args: Record<string, unknown>;
  /** The hash an approval binds: tool and canonical arguments. */
  argsHash: string;
  /** The caller whose run asked. */
  requestedBy: {
    /** Their tenant. */
    tenant?: string;
    /** Their principal. */
    principal?: string;
  };
  /** Role globs of who may approve. */
  approverRoles: string[];
  /** ISO time after which a decision counts as denied. */
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
    pauseData: { kind: 'approval', approvalId: approval.id, toolCallId: call.id, tool: call.name, args: call.args, argsHash: approval.argsHash, requestedBy: { tenant: identity.tenant, principal: identity.principal }, approverRoles: approval.approverRoles, expiresAt: approval.expiresAt },
  };
}

/** Why `approver` may not decide an approval (the caller who asked, or no approver role), or undefined when they may. Same tenant is checked by the caller. */
export function approverRefusal(requirement: { approverRoles: string[]; selfApproval: boolean }, approver: { principal?: string; roles?: readonly string[] }, requester: { principal?: string }): string | undefined {
  if (!requirement.selfApproval && approver.principal === requester.principal) return 'the caller who asked may not approve their own call';
  if (requirement.approverRoles.length && !(approver.roles ?? []).some((role) => requirement.approverRoles.includes(role))) return `deciding needs one of the roles ${requirement.approverRoles.join(', ')}`;
  return undefined;
}

/**
 * Throws unless `approver` may decide: same tenant as the caller who asked, one of the approver
 * roles (when the rule names any), not that caller (unless self-approval is allowed), and the call
 * is still the one that was shown.
 */
export function checkApprover(approval: PendingApproval, approver: Approver | undefined, requester: MemoryIdentity, call: ToolCall): void {
  if (!approver || approver.tenant !== requester.tenant) throw new CheckpointIdentityError();
  const refusal = approverRefusal(approval, approver, requester);
  if (refusal) throw new ApprovalForbiddenError(refusal);
  if (argsHash(call.name, call.args) !== approval.argsHash) throw new CheckpointInvalidError('the call differs from the one shown for approval');
}
