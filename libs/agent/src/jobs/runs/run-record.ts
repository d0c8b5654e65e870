import type { FinishReason, Usage } from '@agentnest/providers';
import { currentUsage, type OldUsage } from '../../common/stored-usage.js';

/** Where a queued run is: waiting, running, paused for a human, or one of its final statuses. */
export type RunStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'budget_exceeded' | 'blocked';

/** What a client may see of a queued run. */
export interface RunRecord {
  /** The run's id. */
  runId: string;
  /** The agent it was queued for. */
  agent: string;
  /** The conversation it continues. */
  conversationId: string;
  /** Where the run is now. */
  status: RunStatus;
  /** When it was queued (ISO time). */
  createdAt: string;
  /** When the record last changed (ISO time). */
  updatedAt: string;
  /** When a worker first started it (ISO time). */
  startedAt?: string;
  /** When it reached a final status (ISO time). */
  finishedAt?: string;
  /** Attempts made so far, the first included (provider failures retry). */
  attempts: number;
  /** The reply, when finished (completed, or budget_exceeded with the text the model had). */
  text?: string;
  /** When completed: why the model's last call stopped (the AI SDK's values). */
  finishReason?: FinishReason;
  /** The agent that answered, when the run's agent handed the conversation on (or another agent held it). */
  answeredBy?: string;
  /** When failed: the error's stable code and a message safe to show the caller. */
  error?: {
    /** The error's code (`agent_not_found`, `provider_error`, ...). */
    code: string;
    /** What went wrong, without internals. */
    message: string;
  };
  /** Tokens the run used so far. */
  usage?: Usage;
  /** With a responseFormat: the validated value and the tier that served it. */
  output?: unknown;
  /** Which tier served `output`: `model`, `repair`, `fallback` or `canned`. */
  outputTier?: string;
  /** When paused: what the pausing tool gave to show the human (an approval's details for approvals). */
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
