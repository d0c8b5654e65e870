export { startTelemetry, telemetryWanted } from './start-telemetry.js';
export type { Telemetry, TelemetryOptions } from './start-telemetry.js';
export { OTelRecorder } from './otel.recorder.js';
export type { OTelRecorderOptions } from './otel.recorder.js';
export { ATTR, DURATION_BUCKETS, TOKEN_BUCKETS } from './genai.js';
export { TenantLabels } from './tenant-labels.js';
export { otelJobTracer } from './otel-job-tracer.js';
export { observeMcpServers } from './mcp-metrics.js';
