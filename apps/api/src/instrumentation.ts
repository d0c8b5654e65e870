// Loaded first, with `node --import ./apps/api/dist/instrumentation.js` (npm start does this), so
// OpenTelemetry can hook http, express, ioredis and pino before anything imports them. It imports
// only the SDK entry of @agentnest/observability for the same reason.
import { register } from 'node:module';
import { startTelemetry } from '@agentnest/observability/sdk';

export const telemetry = startTelemetry();
// ESM modules are instrumented through this loader hook; registered only when telemetry is on.
if (telemetry.enabled) register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
