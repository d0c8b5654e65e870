import type { FinishReason, Usage } from '@agentnest/providers';
import { currentUsage, type OldUsage } from '../../common/stored-usage.js';

/** Where a queued run is: waiting, running, paused for a human, or one of its final statuses. */
export type RunStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'budget_exceeded' | 'blocked';

/** What a client may see of a queued run. */
export interface RunRecord {
  runId: string;
  agent: string;
  conversationId: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  attempts: number;
  /** The reply, when finished (completed, or budget_exceeded with the text the model had). */
  text?: string;
  /** The agent that answered, when the run's agent handed the conversation on (or another agent held it). */
  /** When completed: why the model's last call stopped (the AI SDK's values). */
  finishReason?: FinishReason;
  answeredBy?: string;
  error?: { code: string; message: string };
  usage?: Usage;
  /** With a responseFormat: the validated value and the tier that served it. */
  output?: unknown;
  outputTier?: string;
  pauseData?: unknown;
  /** A cancel was asked for while the run was running. */
  cancelRequested?: boolean;
}

// Records and status events stored before the AI SDK's names said `reply` and lacked totalTokens: mapped on read, so clients see today's fields.
export function currentRunFields<T extends object>(stored: T): T {
  const old = stored as { text?: string; reply?: string; usage?: Usage | OldUsage };
  if (old.reply === undefined && old.usage === undefined) return stored;
  const { reply, ...rest } = old;
  return { ...rest, ...(reply !== undefined && rest.text === undefined ? { text: reply } : {}), ...('usage' in rest ? { usage: currentUsage(rest.usage) } : {}) } as T;
}
