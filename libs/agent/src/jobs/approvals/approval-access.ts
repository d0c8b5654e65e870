import type { RequestIdentity } from '../../context/request-identity.js';
import { approverRefusal } from '../../checkpoint/approval.js';
import type { ApprovalRecord } from './approval-registry.js';

/** Why `caller` may not decide this approval, or undefined when they may (the agent's own rule, plus the tenant). */
export function decideRefusal(approval: ApprovalRecord, caller: RequestIdentity): string | undefined {
  if (caller.tenant !== approval.requestedBy.tenant) return 'another tenant';
  return approverRefusal(approval, caller, approval.requestedBy);
}

/** Who sees an approval: the caller who asked, and those who may decide it. */
export function visible(approval: ApprovalRecord, caller: RequestIdentity): boolean {
  if (caller.tenant !== approval.requestedBy.tenant) return false;
  return caller.principal === approval.requestedBy.principal || decideRefusal(approval, caller) === undefined;
}
