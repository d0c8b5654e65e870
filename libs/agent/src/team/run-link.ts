import { createHash } from 'node:crypto';
import type { MemoryIdentity } from '@agentnest/memory';
import { MAX_IDENTITY_FIELD_LENGTH } from '@agentnest/memory';
import type { CostLedger } from '../cost/cost-ledger.js';
import type { PricingTable } from '../cost/pricing.js';
import type { RecorderSet } from '../events/recorder-set.js';

/** @default 3 levels of agents calling agents below the agent a run started with */
export const DEFAULT_MAX_AGENT_DEPTH = 3;

/** What a sub-run (an agent called as a tool) takes from the run that called it. */
export interface RunLink {
  parentRunId: string;
  /** 1 for an agent called by the top agent, 2 below that, ... */
  depth: number;
  maxDepth: number;
  /** Agent names from the top of the tree down to this sub-run's agent: a name already here is a cycle. */
  chain: string[];
  /** The caller's recorders (its attached ones and the run's own): the sub-run reports to them too. */
  sink: RecorderSet;
  /** What is left of the caller's run budget (USD), if it has one. */
  budgetUsd?: number;
  /** The caller's pricing, tenant ledger and checkpoint key, used where the sub-agent has none of its own. */
  inherited: { pricingTable?: PricingTable; ledger?: CostLedger; checkpointSecret?: string };
  /** Set when the sub-agent reads the caller's conversation instead of its own (and stores nothing). */
  historyFrom?: MemoryIdentity;
}

/**
 * The conversation a sub-agent called through `tool` keeps under the caller's conversation:
 * `<conversation>::<tool>`, or a digest of both when that would be longer than an id may be.
 */
export function subConversationId(conversationId: string, tool: string): string {
  const plain = `${conversationId}::${tool}`;
  if (plain.length <= MAX_IDENTITY_FIELD_LENGTH) return plain;
  return `${conversationId.slice(0, 64)}::${tool}#${createHash('sha256').update(`${conversationId}\u0000${tool}`).digest('base64url')}`;
}

/** The run id of the sub-run for one tool call: the same on a retry of the same call, so its memory write happens once. */
export function subRunId(parentRunId: string, toolCallId: string): string {
  return `${parentRunId.slice(0, 64)}-${createHash('sha256').update(`${parentRunId}\u0000${toolCallId}`).digest('hex').slice(0, 16)}`;
}
