import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { toHttpError } from './http-error.js';

interface HttpResponse {
  headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  status(code: number): HttpResponse;
  json(body: unknown): unknown;
}

/**
 * Answers every error as `{error:{code,message}}` with the status of its stable code, exactly as the
 * reference service does: `{ provide: APP_FILTER, useClass: AgentExceptionFilter }`. A server-side
 * HttpException keeps its own body (Terminus health reports); server faults are logged by class
 * and code only, since messages of unknown errors may carry data.
 */
@Catch()
export class AgentExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('AgentExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<HttpResponse>();
    if (exception instanceof HttpException && exception.getStatus() >= 500) {
      if (!res.headersSent) res.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const { status, code, message, retryAfterSeconds } = toHttpError(exception);
    if (status >= 500) this.logger.error(`${code}: ${exception instanceof Error ? `${exception.name}${'code' in exception ? ` (${String(exception.code)})` : ''}` : typeof exception}`);
    if (res.headersSent) return;
    if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
    res.status(status).json({ error: { code, message } });
  }
}
