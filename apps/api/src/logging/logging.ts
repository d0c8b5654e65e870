import type { LoggerService } from '@nestjs/common';
import { pino, type Logger, type Level } from 'pino';

/**
 * The service's logs: JSON lines through pino at LOG_LEVEL. With telemetry on, the pino
 * instrumentation stamps each line with trace_id and span_id and also exports it as an OTLP log record.
 */
export function createLogger(level: string): Logger {
  // Credentials never reach a log line, whatever a caller puts in an object it logs.
  return pino({ level, redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'headers.authorization'], censor: '[redacted]' } });
}

/** Nest's Logger (and every `new Logger(context)`) as pino lines: `context` is a field, an error's stack goes with it. */
export class PinoNestLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log = (message: unknown, ...params: unknown[]) => this.write('info', message, params);
  error = (message: unknown, ...params: unknown[]) => this.write('error', message, params);
  warn = (message: unknown, ...params: unknown[]) => this.write('warn', message, params);
  debug = (message: unknown, ...params: unknown[]) => this.write('debug', message, params);
  verbose = (message: unknown, ...params: unknown[]) => this.write('trace', message, params);
  fatal = (message: unknown, ...params: unknown[]) => this.write('fatal', message, params);

  /** Nest passes the context last, and for errors a stack before it. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const context = params.length && typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    const stack = level === 'error' && params.length > 1 && typeof params[0] === 'string' ? params[0] : undefined;
    const fields = { ...(context ? { context } : {}), ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ ...fields, ...message });
    else this.pino[level](fields, String(message));
  }
}
