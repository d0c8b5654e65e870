import { CircuitOpenError, ProviderError, RateLimitedError } from '@agentnest/providers';
import { continuationUsed } from '../../errors/continuation-used.js';
import { GuardrailTrippedError, RunAbortedError } from '../../errors/agent.errors.js';
import type { RunResult } from '../../run/agent.types.js';
import { isStoreUnavailable, publicError } from '../../errors/public-error.js';
import type { RunPatch, RunStatus } from '../runs/run-registry.js';
import type { RunStreamEvent } from '../streams/run-events.js';

/** What the worker does with the job once the run's record says how it ended. */
export type NextAction =
  /** The job completes, answering the status. */
  | { kind: 'done' }
  /** Back to delayed for `waitMs`, keeping its attempts: an outage that began at `since` is waited out. */
  | { kind: 'wait'; waitMs: number; since: number }
  /** BullMQ retries it (the error is thrown again). */
  | { kind: 'retry' }
  /** The job fails for good, its payload blanked. */
  | { kind: 'fail' };

/** How a run ended: the status its record moves to, the fields set with it, the event its stream gets, and what the job does next. */
export interface RunOutcome {
  status: RunStatus;
  patch: RunPatch;
  event: RunStreamEvent;
  next: NextAction;
  /** The run ends this way even if recording it fails (a run that ends is not retried because Redis failed to say so). */
  tolerant?: boolean;
}

const now = () => new Date().toISOString();
const DONE = { kind: 'done' } as const;

/** A run's result, by its status. A paused run's patch also gets its approval link (see AgentRunProcessor). */
const RESULT_OUTCOMES: { [S in RunResult['status']]: (result: Extract<RunResult, { status: S }>) => RunOutcome } = {
  completed: ({ text, finishReason, answeredBy, output, outputTier, usage }) => ({
    status: 'completed',
    patch: { text, finishReason, answeredBy, ...(outputTier ? { output, outputTier } : {}), usage, finishedAt: now(), error: null },
    event: { type: 'status', status: 'completed', text, finishReason, usage },
    next: DONE,
  }),
  // A run that spent its costBudget ends there: its own final status, not a failure to retry.
  budget_exceeded: ({ text, answeredBy, usage }) => ({
    status: 'budget_exceeded',
    patch: { text, answeredBy, usage, finishedAt: now(), error: null },
    event: { type: 'status', status: 'budget_exceeded', text, usage },
    next: DONE,
  }),
  // A guardrail's tripwire ends the run: its own final status, with the error the sync endpoint answers.
  blocked: ({ guardrail, stage, reason, answeredBy, usage }) => {
    const error = publicError(new GuardrailTrippedError(guardrail, stage, reason));
    return { status: 'blocked', patch: { error, answeredBy, usage, finishedAt: now() }, event: { type: 'status', status: 'blocked', error, usage }, next: DONE };
  },
  paused: ({ pauseData, checkpoint, usage }) => ({
    status: 'paused',
    patch: { pauseData, checkpoint, usage },
    event: { type: 'status', status: 'paused', pauseData, usage, toolCallId: checkpoint.body.pending.toolCallId },
    next: DONE,
  }),
};

/** The outcome of a run that returned. */
export function resultOutcome(result: RunResult): RunOutcome {
  return (RESULT_OUTCOMES[result.status] as (r: RunResult) => RunOutcome)(result);
}

/** A run cancelled before or while it ran. */
export const cancelledOutcome = (): RunOutcome => ({ status: 'cancelled', patch: { finishedAt: now() }, event: { type: 'status', status: 'cancelled' }, next: DONE, tolerant: true });

/** Failures worth another attempt (5xx, timeouts, network; outages wait instead); anything else (bad input, policy, bugs) fails the run at once. */
function retryable(err: unknown): boolean {
  return err instanceof ProviderError && err.retryable && !outage(err);
}

/**
 * The provider says "not now" (open circuit, spent budget, overload), or Redis or PostgreSQL cannot
 * be reached (a failover, a restart): wait as long as it asks, without spending an attempt. A retried
 * run writes its turn once (the memory append is keyed by its runId).
 */
function outage(err: unknown): err is { retryAfterMs?: number } {
  return err instanceof CircuitOpenError || err instanceof RateLimitedError || (err instanceof ProviderError && (err.code === 'overloaded' || err.code === 'rate_limited')) || isStoreUnavailable(err);
}

/** @default 10 minutes of outage before a queued run fails */
export const DEFAULT_OUTAGE_MAX_MS = 600_000;
/** Bounds on one wait: at least a quarter second, at most a minute, whatever retry-after says. */
const MIN_WAIT_MS = 250;
const MAX_WAIT_MS = 60_000;

/** What a failure's outcome depends on besides the error. */
export interface FailureContext {
  /** The run was told to abort (a cancel). */
  aborted: boolean;
  /** When the outage this job is waiting out began, if it is. */
  outageSince?: number;
  /** Attempts BullMQ made before this one, and how many it may make. */
  attemptsMade: number;
  attempts: number;
  outageMaxMs?: number;
  backoffMs?: number;
}

type FailureRule = (err: unknown, ctx: FailureContext, error: { code: string; message: string }) => RunOutcome | undefined;

const failedOutcome = (error: { code: string; message: string }): RunOutcome => ({ status: 'failed', patch: { error, finishedAt: now() }, event: { type: 'status', status: 'failed', error }, next: { kind: 'fail' }, tolerant: true });

const queuedAgain = (error: { code: string; message: string }, next: NextAction): RunOutcome => ({ status: 'queued', patch: { error }, event: { type: 'status', status: 'queued', error }, next });

/** A run that threw: the first rule that applies decides. The record and the stream get what the sync path would answer; details stay in the server log. */
const FAILURE_RULES: FailureRule[] = [
  (err, ctx) => (ctx.aborted || err instanceof RunAbortedError ? cancelledOutcome() : undefined),
  // A continuation that failed after one of its tools started is not run again (the tool could run twice).
  (err, _ctx, error) => (continuationUsed(err) ? failedOutcome(error) : undefined),
  // Wait out the outage: the job goes back to delayed for as long as the provider asks (bounded),
  // keeping its attempts, until the outage has lasted outageMaxMs.
  (err, ctx, error) => {
    if (!outage(err)) return undefined;
    const since = ctx.outageSince ?? Date.now();
    const left = (ctx.outageMaxMs ?? DEFAULT_OUTAGE_MAX_MS) - (Date.now() - since);
    if (left <= 0) return undefined;
    return queuedAgain(error, { kind: 'wait', since, waitMs: Math.min(left, MAX_WAIT_MS, Math.max(MIN_WAIT_MS, err.retryAfterMs ?? ctx.backoffMs ?? 1_000)) });
  },
  (err, ctx, error) => (retryable(err) && ctx.attemptsMade + 1 < ctx.attempts ? queuedAgain(error, { kind: 'retry' }) : undefined),
  (_err, _ctx, error) => failedOutcome(error),
];

/** The outcome of a run that threw. */
export function failureOutcome(err: unknown, ctx: FailureContext): RunOutcome {
  const { code, message } = publicError(err);
  for (const rule of FAILURE_RULES) {
    const outcome = rule(err, ctx, { code, message });
    if (outcome) return outcome;
  }
  throw new Error('unreachable: the last failure rule always applies');
}
