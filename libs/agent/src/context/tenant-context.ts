import { AgentConfigError } from '../errors/agent.errors.js';
import type { RequestIdentity } from './request-identity.js';
import { RequestContext } from './request-context.js';

/** Key under which the caller's identity lives in the request context. */
export const IDENTITY_CONTEXT_KEY = 'agentnest.identity';

/** The caller's identity in the async request context: an auth guard, interceptor or middleware sets it; runs read it. */
export class TenantContext {
  constructor(private readonly context: RequestContext = new RequestContext()) {}

  /** The current caller's identity; undefined outside a context or before anything set it. */
  get(): RequestIdentity | undefined {
    return this.context.get<RequestIdentity>(IDENTITY_CONTEXT_KEY);
  }

  /** Sets the caller's identity for the rest of the request (frozen copy); throws AgentConfigError outside a context. */
  set(identity: RequestIdentity): void {
    const clean: RequestIdentity = {};
    if (identity.tenant !== undefined) clean.tenant = identity.tenant;
    if (identity.principal !== undefined) clean.principal = identity.principal;
    if (identity.roles?.length) clean.roles = Object.freeze([...identity.roles]);
    if (!this.context.set(IDENTITY_CONTEXT_KEY, Object.freeze(clean))) {
      throw new AgentConfigError(
        'no active request context: in a Nest app import AgentModule (its context opens before any of your middleware, guards or interceptors); outside a request, wrap the work in TenantContext.run(identity, fn)',
      );
    }
  }

  /** Runs `work` in a fresh context carrying `identity` (queue workers, scripts, tests). */
  run<T>(identity: RequestIdentity, work: () => Promise<T>): Promise<T> {
    return this.context.run(() => {
      this.set(identity);
      return work();
    });
  }
}
