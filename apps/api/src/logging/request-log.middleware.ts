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
// Any other segment is kept only if it is one of the routes' own words or an id the service made (a
// UUID, a continuation's `-r<n>`); an agent's name (after `agents`) and a console or docs file (just
// below them) only when the request found something: a client can put anything in a path
// (`/v1/runs/jane@example.com`, `/v1/agents/Jane_Doe/runs`, `/docs/4111111111111111.js`), and a 404 is logged too.
const WORDS = new Set(['v1', 'agents', 'runs', 'jobs', 'resume', 'events', 'chat', 'stream', 'approvals', 'conversations', 'messages', 'memory', 'usage', 'me', 'health', 'console', 'docs', 'openapi.json']);
const SERVICE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:-r\d{1,6})?$/i;
const AGENT_NAME = /^[A-Za-z][\w-]{0,63}$/;
const ASSET = /^[\w.-]{1,80}\.(?:js|css|html|png|svg|ico|map|json)$/;

/** The request's path as logged: no query string, and no id or word a client chose (`found`: the answer was not a 404). */
export function loggedPath(originalUrl: string, found = true): string {
  let path = originalUrl.split('?', 1)[0];
  for (const [id, name] of CLIENT_IDS) path = path.replace(id, name);
  const segments = path.split('/');
  return segments
    .map((segment, i) => {
      if (!segment || segment.startsWith(':') || WORDS.has(segment) || SERVICE_ID.test(segment)) return segment;
      if (found && i === 3 && segments[1] === 'v1' && segments[2] === 'agents' && AGENT_NAME.test(segment)) return segment;
      if (found && i === 2 && (segments[1] === 'console' || segments[1] === 'docs') && ASSET.test(segment)) return segment;
      return ':id';
    })
    .join('/');
}

export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.url === '/health') return next();
    const started = performance.now();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({ req: { method: req.method, path: loggedPath(req.originalUrl, status !== 404) }, res: { statusCode: status }, responseTime: Math.round(performance.now() - started) }, 'request completed');
    });
    next();
  };
}
