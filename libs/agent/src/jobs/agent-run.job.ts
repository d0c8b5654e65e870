import type { JobTracer, TraceCarrier } from '../tracing/job-tracer.js';

/** What a queued run carries: who asked (re-entered by the worker), what, and the trace to continue. */
export interface AgentRunJob {
  runId: string;
  agent: string;
  tenant?: string;
  principal?: string;
  /** The caller's roles, so the tool policy decides as it would for a direct run. */
  roles?: string[];
  conversationId: string;
  /** The conversation was started by this run's enqueue (no conversationId was given): the run loads no history. */
  newConversation?: true;
  message: string;
  /** W3C trace context (traceparent, tracestate) of the request that queued the run or its continuation. */
  trace?: TraceCarrier;
  /** Set on a continuation job: the human's answer to the run's pause. */
  answer?: string;
  /** Set on a continuation that settles an approval: the decision and who made it (no approver: it expired undecided). */
  decision?: { decision: 'approve' | 'deny'; reason?: string; approver?: { tenant?: string; principal?: string; roles?: string[] } };
  /** Set on the timer job of an approval: settle it as denied if it is still pending at its expiry. */
  expireApproval?: string;
  /** Structured output: the reply must match this JSON Schema (from the request; compiled as untrusted). */
  outputSchema?: Record<string, unknown>;
  /** When the provider outage this run is waiting out began (ms). */
  outageSince?: number;
  /** How often this job went back to wait out an outage: each comes back as a delivery BullMQ counts, and none is an attempt. */
  outageWaits?: number;
}

/** How queued runs are retried, limited and traced. */
export interface AgentJobsOptions {
  /** Attempts per run, the first included; provider failures retry, validation and policy errors do not; @default 3 */
  attempts?: number;
  /** First retry delay, doubled each time; @default 1000 */
  backoffMs?: number;
  /** Runs one worker process executes at once; @default 4 */
  concurrency?: number;
  /** Stream model replies so `text` deltas reach the run's live events (providers without streaming answer whole); @default true */
  streamText?: boolean;
  /** How long a queued run waits out a provider outage (open circuit, spent budget, overload) before it fails; each wait follows the provider's retry-after, without spending an attempt; @default 600000 */
  outageMaxMs?: number;
  /** Unfinished (queued, running or paused) runs one tenant may have, across every instance; more are refused with TooManyRunsError (429 `too_many_runs`); @default 100 */
  maxRunsPerTenant?: number;
  /** Live event streams (SSE) one tenant may hold open in one process; @default 20 */
  maxStreamsPerTenant?: number;
  /** Traces queued runs and measures the queue (`otelJobTracer()` from @agentnest/observability); @default none */
  tracer?: JobTracer;
  /** How long failed jobs stay in BullMQ (completed ones are removed at once; the run registry keeps the record); @default 1 day */
  retentionMs?: number;
}
