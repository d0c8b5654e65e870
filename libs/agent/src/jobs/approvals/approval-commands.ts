import { Injectable } from '@nestjs/common';
import { ApprovalForbiddenError } from '../../errors/agent.errors.js';
import type { ApprovalDecision } from '../../run/agent.types.js';
import type { RequestIdentity } from '../../context/request-identity.js';
import { AppAgents } from '../app-agents.js';
import { decideRefusal, visible } from './approval-access.js';
import { ApprovalFlow } from './approval-flow.js';
import { ApprovalRegistry, type ApprovalRecord } from './approval-registry.js';

/** What a caller does with their tenant's approvals: list them, read one, decide one. */
@Injectable()
export class ApprovalCommands {
  constructor(
    private readonly approvals: ApprovalRegistry,
    private readonly flow: ApprovalFlow,
    private readonly agents: AppAgents,
  ) {}

  /** The caller's tenant's approvals the caller may see: those they asked for, and those they may decide (newest first). */
  async list(caller: RequestIdentity, status?: 'pending' | 'decided'): Promise<ApprovalRecord[]> {
    const all = await this.approvals.list(caller.tenant);
    return all.filter((a) => visible(a, caller) && (status === undefined || (status === 'pending') === (a.status === 'pending')));
  }

  /** One approval, if the caller may see it (another tenant's reads like an unknown one). */
  async get(caller: RequestIdentity, approvalId: string): Promise<ApprovalRecord | undefined> {
    const found = await this.approvals.get(caller.tenant, approvalId);
    return found && visible(found, caller) ? found : undefined;
  }

  /**
   * Decides an approval as the caller: approver role and separation of duties are checked here
   * (ApprovalForbiddenError) and again by the agent; one decision wins (RunStateError for the
   * second); the run's continuation is queued and runs as the caller who asked.
   */
  async decide(caller: RequestIdentity, approvalId: string, decision: ApprovalDecision): Promise<{ approvalId: string; runId: string; status: 'approved' | 'denied' } | undefined> {
    const approval = await this.get(caller, approvalId);
    if (!approval) return undefined;
    const refusal = decideRefusal(approval, caller);
    if (refusal) throw new ApprovalForbiddenError(refusal);
    const expired = !(Date.now() < Date.parse(approval.expiresAt));
    const status = decision.decision === 'approve' && !expired ? 'approved' : 'denied';
    // Redacted before the approval, its events and the continuation's payload keep it; the run fences it when the model reads it.
    const reason = expired ? 'the approval expired' : decision.reason && (await this.agents.service.screenApprovalReason(approval.agent, decision.reason, { tenant: caller.tenant, principal: caller.principal, conversationId: approval.conversationId }, caller.roles));
    if (!(await this.flow.settle(approval, status, caller, reason))) return undefined;
    return { approvalId, runId: approval.runId, status };
  }
}
