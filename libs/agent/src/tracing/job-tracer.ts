/** W3C trace context fields carried by a job (traceparent, tracestate). */
export type TraceCarrier = Record<string, string>;

/** What a queued run is, for its span. */
export interface TracedJob {
  runId: string;
  agent: string;
  jobId?: string;
  /** The trace context of the request that queued it. */
  trace?: TraceCarrier;
}

/** The worker's span of one job, as far as the queue needs it. */
export interface JobSpan {
  /** Runs `work` with this span active, so the run's own spans nest under it. */
  activate<T>(work: () => T): T;
  /** This span's traceparent: a later continuation of the run links to it. */
  traceparent(): string | undefined;
  /** The run's final status, or the code it failed with. */
  end(outcome: { status: string } | { errorCode: string }): void;
}

/**
 * How queued runs are traced and measured. The queue calls it; `@agentnest/observability`
 * implements it on OpenTelemetry (`otelJobTracer()`); without one, only a client's own
 * `traceparent` header travels with the job.
 */
export interface JobTracer {
  /** The caller's trace context to carry in the job; `fallback` is a client's traceparent header. */
  capture(fallback?: string): TraceCarrier | undefined;
  /** Starts the worker's span as a child of the queued trace, linked to the run it continues (a traceparent). */
  startJob(job: TracedJob, continues?: string): JobSpan;
  /** Time from enqueue until a worker started the run. */
  recordWait(seconds: number, agent: string): void;
  /** Reports the queue's depth whenever metrics are collected. */
  observeDepth(queue: string, read: () => Promise<number | undefined>): void;
}

const TRACEPARENT = /^00-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

const idle: JobSpan = { activate: (work) => work(), traceparent: () => undefined, end: () => undefined };

/** Traces nothing; carries a well-formed client traceparent through the queue unchanged. */
export const noopJobTracer: JobTracer = {
  capture: (fallback) => (fallback && TRACEPARENT.test(fallback) ? { traceparent: fallback } : undefined),
  startJob: () => idle,
  recordWait: () => undefined,
  observeDepth: () => undefined,
};
