import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** Settings for {@link startTelemetry}; everything else comes from the standard OTEL_* variables. */
export interface TelemetryOptions {
  /** The `service.name` resource attribute; @default OTEL_SERVICE_NAME, else 'agentnest' */
  serviceName?: string;
  /** Start even without an OTLP endpoint in the environment (exporters then use their localhost default). @default false */
  force?: boolean;
}

/** What {@link startTelemetry} returns: whether it started, and how to flush on the way out. */
export interface Telemetry {
  /** False when OTEL_SDK_DISABLED=true or no OTLP endpoint is configured. */
  readonly enabled: boolean;
  /** Flushes and stops every exporter; call once, at process exit. */
  shutdown(): Promise<void>;
}

const ENDPOINTS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT'];

/** True when `env` asks for telemetry: an OTLP endpoint is set and OTEL_SDK_DISABLED is not true (what startTelemetry starts on). */
export function telemetryWanted(env: Record<string, string | undefined> = process.env): boolean {
  return env.OTEL_SDK_DISABLED !== 'true' && ENDPOINTS.some((name) => env[name]);
}

/**
 * Starts the OpenTelemetry Node SDK: OTLP over HTTP for traces, metrics and logs, with the http,
 * express, ioredis and pino instrumentations. Configured by the standard OTEL_* variables (endpoint,
 * headers, service name, resource attributes, sampler, metric export interval). Call before the
 * instrumented modules load (see the app's instrumentation.ts).
 */
export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  // The SDK and its exporters read process.env themselves, so the gate reads the same place.
  const env = process.env;
  if (env.OTEL_SDK_DISABLED === 'true' || (!telemetryWanted(env) && !options.force)) return { enabled: false, shutdown: async () => undefined };
  if (env.OTEL_LOG_LEVEL) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel[env.OTEL_LOG_LEVEL.toUpperCase() as keyof typeof DiagLogLevel] ?? DiagLogLevel.WARN);
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  const sdk = new NodeSDK({
    serviceName: options.serviceName ?? env.OTEL_SERVICE_NAME ?? 'agentnest',
    traceExporter: new OTLPTraceExporter(),
    metricReaders: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : 60_000 })],
    logRecordProcessors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })],
    instrumentations: [
      // Health probes would be most of the traces; they say nothing about agents.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/health' }),
      new ExpressInstrumentation(),
      // The command name only: arguments carry queued messages, run records and tenant ids.
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
      new PinoInstrumentation(),
      // The vendor SDKs call their APIs with fetch (undici): their HTTP spans nest under each `chat` span.
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return { enabled: true, shutdown: () => (stopped ??= sdk.shutdown()) };
}
