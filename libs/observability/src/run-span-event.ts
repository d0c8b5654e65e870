import type { Attributes } from '@opentelemetry/api';
import type { AgentEvent } from '@agentnest/agent';
import { ATTR } from './genai.js';

/** A span event on the run's span: what happened inside a run that is not a span of its own. */
export interface RunSpanEvent {
  name: string;
  attributes: Attributes;
}

const mark = (name: string, attributes: Attributes): RunSpanEvent => ({ name, attributes });

/**
 * The run-span event for an agent event that marks a moment (memory reads, denials, pauses,
 * approvals, guardrails, handoffs, budgets), or undefined for the events that open and close spans.
 * Content (a handoff's reason) is attached only when the recorder captures content.
 */
export function spanEventOf(e: AgentEvent, captureContent: boolean): RunSpanEvent | undefined {
  switch (e.type) {
    case 'memory.read':
    case 'memory.write':
    case 'memory.recall':
      return mark(`agentnest.${e.type}`, { store: e.store, count: e.count });
    case 'memory.summary':
      return mark('agentnest.memory.summary', { store: e.store, summarized: e.summarized, batches: e.batches, ...(e.remaining ? { remaining: e.remaining } : {}) });
    case 'tool.denied':
      return mark('agentnest.tool_denied', { [ATTR.toolName]: e.tool, [ATTR.toolCallId]: e.toolCallId, 'agentnest.policy.rule': e.rule });
    case 'pause':
      return mark('agentnest.pause', { [ATTR.toolName]: e.tool, [ATTR.toolCallId]: e.toolCallId });
    case 'approval.requested':
      return mark('agentnest.approval_requested', { [ATTR.toolName]: e.tool, [ATTR.toolCallId]: e.toolCallId, 'agentnest.approval.id': e.approvalId, 'agentnest.approval.approver_roles': e.approverRoles });
    case 'approval.decided':
      return mark('agentnest.approval_decided', { [ATTR.toolName]: e.tool, [ATTR.toolCallId]: e.toolCallId, 'agentnest.approval.id': e.approvalId, 'agentnest.approval.decision': e.decision, 'agentnest.approval.expired': e.expired });
    case 'guardrail':
      return mark('agentnest.guardrail', { 'agentnest.guardrail.name': e.guardrail, 'agentnest.guardrail.stage': e.stage, 'agentnest.guardrail.action': e.action, ...(e.tool ? { [ATTR.toolName]: e.tool } : {}), ...(e.reason ? { 'agentnest.guardrail.reason': e.reason } : {}) });
    case 'handoff':
      return mark('agentnest.handoff', { 'agentnest.handoff.from': e.from, 'agentnest.handoff.to': e.to, 'agentnest.handoff.held': e.held, ...(captureContent ? { 'agentnest.handoff.reason': e.reason } : {}) });
    case 'budget.exceeded': {
      const { scope, action, limitUsd, spentUsd, period } = e;
      return mark('agentnest.budget_exceeded', Object.fromEntries(Object.entries({ scope, action, limitUsd, spentUsd, period }).filter(([, v]) => v !== undefined)));
    }
    default:
      return undefined;
  }
}
