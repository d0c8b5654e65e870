import type { NextFunction, Request, Response } from 'express';

/**
 * Swagger UI's page: its scripts are files of its own, but it styles with inline `<style>` and
 * style attributes and draws icons from data: URIs, so those two are allowed and nothing else is.
 */
export const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Headers every response carries: no content sniffing (a JSON error echoing client text can never
 * be read as HTML or script); the API docs also refuse framing and foreign script. The console sets
 * its own, stricter policy.
 */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (req.path === '/docs' || req.path.startsWith('/docs/')) {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
  }
  next();
}
