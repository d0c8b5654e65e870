import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { TenantContext } from '@agentnest/agent';
import type { Request } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { HttpError } from '@agentnest/agent/nest';
import { IS_PUBLIC } from './public.decorator.js';

/** Resolves `Authorization: Bearer <key>` to {tenant, principal} and puts it in the request context. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: ConfigService,
    private readonly tenant: TenantContext,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header.trim()) : null;
    if (!match) throw new HttpError(401, 'unauthorized', 'send an API key as "Authorization: Bearer <key>"');
    const owner = this.config.getOrThrow<AppConfig>('app').apiKeys.lookup(match[1]);
    if (!owner) throw new HttpError(401, 'unauthorized', 'unknown API key');
    this.tenant.set(owner);
    return true;
  }
}
