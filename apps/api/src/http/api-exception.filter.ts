import { Catch, Logger, ServiceUnavailableException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { toHttpError } from './error-mapping.js';

/** The one place errors become HTTP responses: `{error:{code,message}}`. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    // Terminus reports an unhealthy service as a 503 whose body lists each indicator: pass it through.
    const report = exception instanceof ServiceUnavailableException ? exception.getResponse() : undefined;
    if (report && typeof report === 'object' && 'details' in report) {
      res.status(503).json(report);
      return;
    }
    const { status, code, message, retryAfterSeconds } = toHttpError(exception);
    // Server faults are logged by class and code only: messages of unknown errors may carry data.
    if (status >= 500) this.logger.error(`${code}: ${exception instanceof Error ? `${exception.name}${'code' in exception ? ` (${String(exception.code)})` : ''}` : typeof exception}`);
    if (res.headersSent) return;
    if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
    res.status(status).json({ error: { code, message } });
  }
}
