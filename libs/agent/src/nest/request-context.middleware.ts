import { Injectable, type NestMiddleware } from '@nestjs/common';
import { RequestContext } from '../context/request-context.js';

/** Opens a fresh RequestContext for each HTTP request; mounted for every route by AgentContextModule. */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  constructor(private readonly context: RequestContext) {}

  /** Runs the rest of the request inside a new, empty context. */
  use(_req: unknown, _res: unknown, next: (error?: unknown) => void): void {
    this.context.run(() => next());
  }
}
