import { context, isSpanContextValid, metrics, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Link, type SpanContext, type Tracer } from '@opentelemetry/api';
import type { JobSpan, JobTracer, TraceCarrier, TracedJob } from '@agentnest/agent';

const TRACEPARENT = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;
/** The queue's name on spans and metrics (BullMQ's queue of agent runs). */
const QUEUE = 'agentnest-runs';

function fromTraceparent(value: string | undefined): SpanContext | undefined {
  const m = value ? TRACEPARENT.exec(value) : null;
  return m ? { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true } : undefined;
}

// The worker's span continues the trace the job carries; a continuation links to the run it continues.
function startJobSpan(tracer: Tracer, job: TracedJob, continues: string | undefined): JobSpan {
  const parent = propagation.extract(ROOT_CONTEXT, job.trace ?? {});
  const linked = fromTraceparent(continues);
  const links: Link[] = linked ? [{ context: linked, attributes: { 'agentnest.link': 'continues_run' } }] : [];
  const attributes = {
    'messaging.system': 'bullmq',
    'messaging.operation.type': 'process',
    'messaging.destination.name': QUEUE,
    ...(job.jobId ? { 'messaging.message.id': job.jobId } : {}),
    'gen_ai.agent.name': job.agent,
    'agentnest.run.id': job.runId,
  };
  const span = tracer.startSpan(`process ${QUEUE}`, { kind: SpanKind.CONSUMER, links, attributes }, parent);
  const active = trace.setSpan(parent, span);
  return {
    activate: (work) => context.with(active, work),
    traceparent: () => {
      const c = span.spanContext();
      return isSpanContextValid(c) ? `00-${c.traceId}-${c.spanId}-0${(c.traceFlags & 1).toString(16)}` : undefined;
    },
    end: (outcome) => {
      if ('status' in outcome) span.setAttribute('agentnest.run.status', outcome.status);
      else {
        span.setAttribute('error.type', outcome.errorCode);
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorCode });
      }
      span.end();
    },
  };
}

/**
 * Queued runs on OpenTelemetry: the job carries the W3C context of the request that queued it, the
 * worker's `process agentnest-runs` span (CONSUMER) continues that trace, a continuation of a paused
 * run links to the run it continues; `agentnest.queue.wait` and `agentnest.queue.depth` are recorded.
 */
export function otelJobTracer(): JobTracer {
  const tracer = trace.getTracer('agentnest');
  const meter = metrics.getMeter('agentnest');
  const wait = meter.createHistogram('agentnest.queue.wait', { unit: 's', description: 'Time from enqueue until a worker starts the run', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600] } });
  return {
    capture(fallback?: string): TraceCarrier | undefined {
      const carrier: TraceCarrier = {};
      propagation.inject(context.active(), carrier);
      if (!carrier.traceparent && fallback && TRACEPARENT.test(fallback)) carrier.traceparent = fallback;
      return carrier.traceparent ? carrier : undefined;
    },

    startJob(job: TracedJob, continues?: string): JobSpan {
      return startJobSpan(tracer, job, continues);
    },

    recordWait(seconds: number, agent: string): void {
      wait.record(seconds, { 'gen_ai.agent.name': agent });
    },

    observeDepth(queue: string, read: () => Promise<number | undefined>): void {
      // Observed only when a metrics SDK collects, so it costs nothing otherwise.
      meter.createObservableGauge('agentnest.queue.depth', { unit: '{run}', description: 'Runs waiting for a worker' }).addCallback(async (result) => {
        const depth = await read();
        if (depth !== undefined) result.observe(depth, { 'messaging.destination.name': queue });
      });
    },
  };
}
