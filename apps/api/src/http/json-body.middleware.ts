import express, { type NextFunction, type Request, type Response } from 'express';

/** @default 1 MB request bodies */
export const BODY_LIMIT = '1mb';

const parse = express.json({ limit: BODY_LIMIT });

// body-parser reports failures by `type`; each becomes a stable API error instead of Express's HTML page.
const BODY_ERRORS: Record<string, [number, string, string]> = {
  'entity.too.large': [413, 'payload_too_large', `request body exceeds ${BODY_LIMIT}`],
  'entity.parse.failed': [400, 'invalid_json', 'request body is not valid JSON'],
  'encoding.unsupported': [415, 'unsupported_media_type', 'unsupported content encoding'],
  'charset.unsupported': [415, 'unsupported_media_type', 'unsupported charset'],
};

/** Parses JSON bodies up to the limit and answers parse failures in the API's error shape. */
export function jsonBody(req: Request, res: Response, next: NextFunction): void {
  parse(req, res, (err?: unknown) => {
    if (!err) return next();
    const [status, code, message] = BODY_ERRORS[(err as { type?: string }).type ?? ''] ?? [400, 'bad_request', 'request body could not be read'];
    res.status(status).json({ error: { code, message } });
  });
}
