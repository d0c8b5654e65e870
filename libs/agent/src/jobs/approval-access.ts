import type { RequestIdentity } from '../context/request-identity.js';
import type { ApprovalRecord } from './approval-registry.js';

/** May `caller` decide this approval: another principal of the tenant, with one of the approver roles when the rule names any. */
export function mayDecide(approval: ApprovalRecord, caller: RequestIdentity): boolean {
  if (caller.tenant !== approval.requestedBy.tenant || caller.principal === approval.requestedBy.principal) return false;
  return approval.approverRoles.length === 0 || (caller.roles ?? []).some((role) => approval.approverRoles.includes(role));
}

/** Who sees an approval: the caller who asked, and those who may decide it. */
export function visible(approval: ApprovalRecord, caller: RequestIdentity): boolean {
  if (caller.tenant !== approval.requestedBy.tenant) return false;
  return caller.principal === approval.requestedBy.principal || mayDecide(approval, caller);
}
