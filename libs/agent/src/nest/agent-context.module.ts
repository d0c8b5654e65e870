import { Global, Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { RequestContext } from '../context/request-context.js';
import { TenantContext } from '../context/tenant-context.js';
import { RequestContextMiddleware } from './request-context.middleware.js';

/**
 * The request context for the whole app. Global on purpose: Nest mounts global modules' middleware
 * before any other module's, so the context is open when the app's own middleware, guards and
 * interceptors call `TenantContext.set`. Imported by AgentModule; nothing to import by hand.
 */
@Global()
@Module({
  providers: [
    { provide: RequestContext, useValue: new RequestContext() },
    { provide: TenantContext, inject: [RequestContext], useFactory: (context: RequestContext) => new TenantContext(context) },
    RequestContextMiddleware,
  ],
  exports: [RequestContext, TenantContext],
})
export class AgentContextModule implements NestModule {
  /** Mounts RequestContextMiddleware on every route, so every request has its own context. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
