import express, { type NextFunction, type Request, type Response } from 'express';

/** @default 1 MB request bodies */
export const BODY_LIMIT = '1mb';
/** @default 64 levels of nested objects and arrays in a request body */
export const MAX_JSON_DEPTH = 64;

/**
 * Throws when the JSON text nests objects/arrays deeper than `max`: one pass over the bytes, before
 * parsing, so no later step (validation, canonical JSON, signatures) can overflow the stack on it.
 */
export function assertJsonDepth(buf: Buffer, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) throw Object.assign(new Error('too deep'), { status: 400, type: 'entity.too.deep' });
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

// Compressed bodies are refused (415) rather than inflated: a small gzip can expand far past the limit's intent.
const parse = express.json({ limit: BODY_LIMIT, inflate: false, verify: (_req, _res, buf) => assertJsonDepth(buf) });

// body-parser reports failures by `type`; each becomes a stable API error instead of Express's HTML page.
const BODY_ERRORS: Record<string, [number, string, string]> = {
  'entity.too.large': [413, 'payload_too_large', `request body exceeds ${BODY_LIMIT}`],
  'entity.too.deep': [400, 'invalid_body', `request body nests deeper than ${MAX_JSON_DEPTH} levels`],
  'entity.parse.failed': [400, 'invalid_json', 'request body is not valid JSON'],
  'encoding.unsupported': [415, 'unsupported_media_type', 'compressed request bodies are not accepted'],
  'charset.unsupported': [415, 'unsupported_media_type', 'unsupported charset'],
};

/** @default 30 s to send a whole request body: a client trickling a byte a second holds a socket and a parser no longer */
export const BODY_TIMEOUT_MS = 30_000;

/**
 * Parses JSON bodies up to the limit and answers parse failures in the API's error shape. A body
 * not received within `timeoutMs` (however steadily it trickles) is answered 408 and its socket closed.
 */
export function jsonBody(req: Request, res: Response, next: NextFunction, timeoutMs = BODY_TIMEOUT_MS): void {
  const deadline = req.complete
    ? undefined
    : setTimeout(() => {
        if (req.complete || res.headersSent) return;
        res.setHeader('Connection', 'close');
        res.status(408).json({ error: { code: 'request_timeout', message: `the request body did not arrive within ${timeoutMs / 1000} s` } });
        res.once('finish', () => req.destroy());
      }, timeoutMs);
  deadline?.unref();
  parse(req, res, (err?: unknown) => {
    clearTimeout(deadline);
    if (res.headersSent) return;
    if (!err) return next();
    const [status, code, message] = BODY_ERRORS[(err as { type?: string }).type ?? ''] ?? [400, 'bad_request', 'request body could not be read'];
    res.status(status).json({ error: { code, message } });
  });
}
