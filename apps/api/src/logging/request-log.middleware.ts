import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

/**
 * One line per finished request: what was asked (method and path: no headers, no query string, no client-chosen ids) and
 * how it ended. It is written when the response finishes, so nothing is built per request that is
 * not logged, and not at all below the line's level. Health probes are not logged.
 */
// Conversation and chat ids are the client's to choose (an email address, say): a log line would keep
// them past the conversation's erasure, so they are logged as the route's parameter name.
const CLIENT_IDS: Array<[RegExp, string]> = [
  [/^(\/v1\/conversations\/)[^/]+/, '$1:conversationId'],
  [/^(\/v1\/agents\/[^/]+\/chat\/)[^/]+/, '$1:chatId'],
];

/** The request's path as logged: no query string, and no id a client chose. */
export function loggedPath(originalUrl: string): string {
  let path = originalUrl.split('?', 1)[0];
  for (const [id, name] of CLIENT_IDS) path = path.replace(id, name);
  return path;
}

export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.url === '/health') return next();
    const started = performance.now();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({ req: { method: req.method, path: loggedPath(req.originalUrl) }, res: { statusCode: status }, responseTime: Math.round(performance.now() - started) }, 'request completed');
    });
    next();
  };
}
