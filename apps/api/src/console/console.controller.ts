import { readFileSync } from 'node:fs';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HttpError } from '@agentnest/agent/nest';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator.js';

// Same depth from src/ and dist/, so the service finds its page whether run from source or built.
const ROOT = new URL('../../public/console/', import.meta.url);

const ASSETS: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };

/**
 * The page allows only its own script, style and API calls: no inline script or style, no other
 * origin, no framing, no form posting anywhere (sign-in is handled by script, never submitted).
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The operator console: a static page (no build step) that calls the API with the key the operator types in. */
@Public()
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  // Three small files, read once at boot: serving them touches no disk and no user-chosen path.
  private readonly files = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(new URL(name, ROOT))]));

  @Get()
  page(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get(':asset')
  asset(@Param('asset') asset: string, @Res() res: Response): void {
    if (asset === 'index.html' || !Object.hasOwn(ASSETS, asset)) throw new HttpError(404, 'not_found', 'no such page');
    this.send(res, asset);
  }

  private send(res: Response, name: string): void {
    res.set({
      'content-type': ASSETS[name],
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cache-control': 'no-cache',
    });
    res.send(this.files.get(name));
  }
}
