import { Injectable, type NestMiddleware } from '@nestjs/common';
import { TenantContext } from '@agentnest/agent';
import type { NextFunction, Request, Response } from 'express';

/** The app's own auth, as a middleware: the caller's tenant and user come from headers here. */
@Injectable()
export class IdentityMiddleware implements NestMiddleware {
  constructor(private readonly tenant: TenantContext) {}

  use(req: Request, _res: Response, next: NextFunction): void {
    const tenant = req.header('x-tenant');
    if (tenant) this.tenant.set({ tenant, principal: req.header('x-user') ?? 'anonymous' });
    next();
  }
}
