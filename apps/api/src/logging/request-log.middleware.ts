import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

/**
 * One line per finished request: what was asked (method and path: no headers, no query string) and
 * how it ended. It is written when the response finishes, so nothing is built per request that is
 * not logged, and not at all below the line's level. Health probes are not logged.
 */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.url === '/health') return next();
    const started = performance.now();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({ req: { method: req.method, path: req.originalUrl.split('?', 1)[0] }, res: { statusCode: status }, responseTime: Math.round(performance.now() - started) }, 'request completed');
    });
    next();
  };
}
