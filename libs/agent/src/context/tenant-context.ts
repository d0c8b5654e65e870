import { Injectable } from '@nestjs/common';
import { AgentConfigError } from '../agent.errors.js';
import { IDENTITY_CONTEXT_KEY } from '../nest/agent.constants.js';
import { RequestContext } from './request-context.js';

/** Who is calling: set once per request (or job) and read by every run, so nobody passes it by hand. */
export interface RequestIdentity {
  tenant?: string;
  principal?: string;
  /** Roles of the caller (from the API key), for tool policies. */
  roles?: readonly string[];
}

/** The caller's identity in the async request context; an auth guard sets it, AgentService reads it. */
@Injectable()
export class TenantContext {
  constructor(private readonly context: RequestContext) {}

  get(): RequestIdentity | undefined {
    return this.context.get<RequestIdentity>(IDENTITY_CONTEXT_KEY);
  }

  set(identity: RequestIdentity): void {
    const clean: RequestIdentity = {};
    if (identity.tenant !== undefined) clean.tenant = identity.tenant;
    if (identity.principal !== undefined) clean.principal = identity.principal;
    if (identity.roles?.length) clean.roles = Object.freeze([...identity.roles]);
    if (!this.context.set(IDENTITY_CONTEXT_KEY, Object.freeze(clean))) {
      throw new AgentConfigError('no active request context: import AgentModule (it mounts the context middleware) or use TenantContext.run');
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
