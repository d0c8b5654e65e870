import { Injectable, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';
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
  /** The keys are fixed at boot: looked up once, not through ConfigService on every request. */
  private readonly keys: AppConfig['apiKeys'];
  /** Whether each route (controller class, handler) is public: fixed by decorators, so read once per route rather than on every request. */
  private readonly publicRoutes = new WeakMap<object, WeakMap<object, boolean>>();

  constructor(
    private readonly reflector: Reflector,
    config: ConfigService,
    private readonly tenant: TenantContext,
  ) {
    this.keys = config.getOrThrow<AppConfig>('app').apiKeys;
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.isPublic(context.getClass(), context.getHandler())) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header.trim()) : null;
    if (!match) throw new HttpError(401, 'unauthorized', 'send an API key as "Authorization: Bearer <key>"');
    const owner = this.keys.lookup(match[1]);
    if (!owner) throw new HttpError(401, 'unauthorized', 'unknown API key');
    this.tenant.set(owner);
    return true;
  }

  private isPublic(controller: Type, handler: ReturnType<ExecutionContext['getHandler']>): boolean {
    let handlers = this.publicRoutes.get(controller);
    if (!handlers) this.publicRoutes.set(controller, (handlers = new WeakMap()));
    let known = handlers.get(handler);
    if (known === undefined) handlers.set(handler, (known = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, controller]) === true));
    return known;
  }
}
