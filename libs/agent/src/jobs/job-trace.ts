import { context, isSpanContextValid, metrics, propagation, ROOT_CONTEXT, SpanKind, trace, type Context, type Link, type Span, type SpanContext } from '@opentelemetry/api';
import { AGENT_RUNS_QUEUE } from './agent-jobs.constants.js';

/** W3C trace context fields carried by a job (traceparent, tracestate). */
export type TraceCarrier = Record<string, string>;

const TRACEPARENT = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/** The caller's active trace context for a job; `fallback` (a client's traceparent header) when no SDK is running. */
export function captureTrace(fallback?: string): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  if (!carrier.traceparent && fallback && TRACEPARENT.test(fallback)) carrier.traceparent = fallback;
  return carrier.traceparent ? carrier : undefined;
}

export function toTraceparent(span: Span): string | undefined {
  const c = span.spanContext();
  return isSpanContextValid(c) ? `00-${c.traceId}-${c.spanId}-0${(c.traceFlags & 1).toString(16)}` : undefined;
}

function fromTraceparent(value: string | undefined): SpanContext | undefined {
  const m = value ? TRACEPARENT.exec(value) : null;
  return m ? { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true } : undefined;
}

const tracer = () => trace.getTracer('agentnest');

/**
 * Starts the worker's span for one job as a child of the trace that queued it; a continuation of a
 * paused run links to the span of the run it continues (`continues`, a traceparent).
 */
export function startJobSpan(job: { runId: string; agent: string; trace?: TraceCarrier; jobId?: string }, continues?: string): { span: Span; ctx: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, job.trace ?? {});
  const linked = fromTraceparent(continues);
  const links: Link[] = linked ? [{ context: linked, attributes: { 'agentnest.link': 'continues_run' } }] : [];
  const span = tracer().startSpan(
    `process ${AGENT_RUNS_QUEUE}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.operation.type': 'process',
        'messaging.destination.name': AGENT_RUNS_QUEUE,
        ...(job.jobId ? { 'messaging.message.id': job.jobId } : {}),
        'gen_ai.agent.name': job.agent,
        'agentnest.run.id': job.runId,
      },
    },
    parent,
  );
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Queue metrics: how long runs waited for a worker (s). Depth is observed by the producer (AgentJobs). */
export const queueWait = () =>
  metrics.getMeter('agentnest').createHistogram('agentnest.queue.wait', { unit: 's', description: 'Time from enqueue until a worker starts the run', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600] } });
