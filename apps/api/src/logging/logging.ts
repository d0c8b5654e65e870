import type { INestApplicationContext } from '@nestjs/common';
import { Logger as PinoLogger, LoggerModule } from 'nestjs-pino';

/**
 * Nest's logs as JSON lines through pino. With telemetry on, the pino instrumentation stamps each
 * line with trace_id and span_id and also exports it as an OTLP log record.
 */
export function loggingModule(level: string) {
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      // Credentials never reach a log line.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'], censor: '[redacted]' },
      autoLogging: { ignore: (req) => req.url === '/health' },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    },
  });
}

/** Routes Nest's own Logger (and every `new Logger(context)`) to pino. */
export function usePino(app: INestApplicationContext): void {
  app.useLogger(app.get(PinoLogger));
}
