import type { ApprovalDecision, DecideOptions, RunResult } from '../run/agent.types.js';
import type { RequestIdentity } from '../context/request-identity.js';
import type { AgentService } from './agent.service.js';
import type { AgentCallOptions, AgentContinueOptions, AgentRunInput } from './agent-service.types.js';

/**
 * One registered agent, as injected with `@InjectAgent(name)`: AgentService's calls with the name
 * bound. Not the core `Agent`: every call goes through AgentService, so it runs as the caller in
 * the request context (or the identity given), under `requireTenant` and the access policy, with
 * the module's MCP tools, exactly as `agents.run(name, ...)` does.
 */
export class AgentHandle {
  constructor(
    /** The agent this handle runs. */
    readonly name: string,
    private readonly service: () => AgentService,
  ) {}

  /** See `AgentService.run`. */
  run(input: AgentRunInput): Promise<RunResult> {
    return this.service().run(this.name, input);
  }

  /** Continues a paused run; see `AgentService.resume`. */
  resume(checkpoint: unknown, answer: unknown, opts?: AgentCallOptions & AgentContinueOptions): Promise<RunResult> {
    return this.service().resume(this.name, checkpoint, answer, opts);
  }

  /** Decides a call that waits for an approval; see `AgentService.decide`. */
  decide(checkpoint: unknown, decision: ApprovalDecision, opts: Omit<AgentCallOptions, 'identity'> & AgentContinueOptions & { approver: DecideOptions['approver'] }): Promise<RunResult> {
    return this.service().decide(this.name, checkpoint, decision, opts);
  }

  /** True when the caller (the request context's, or `identity`) may call this agent. */
  mayCall(identity?: RequestIdentity): boolean {
    return this.service().mayCall(this.name, identity);
  }
}
