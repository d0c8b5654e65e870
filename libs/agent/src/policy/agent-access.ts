import { AgentConfigError } from '../errors/agent.errors.js';
import { PolicyEngine, type PolicyDecision, type PolicySubject } from './tool-policy.js';

/**
 * One rule of who may call an agent: as a tool policy's rule, with `agents` (glob patterns of agent
 * names) where a tool rule has `tools`. There is no `approve`: a run cannot wait for someone to let it start.
 */
export interface AgentAccessRule {
  /** Names the rule in refusals; @default its position, `rule[2]` */
  id?: string;
  /** Whether a match lets the caller in or keeps them out (deny wins). */
  effect: 'allow' | 'deny';
  /** Agent names the rule covers. */
  agents?: string[];
  /** Tenants it covers. */
  tenants?: string[];
  /** Principals it covers. */
  principals?: string[];
  /** Caller roles it covers (any one of the caller's matches). */
  roles?: string[];
}

/** Who may call which agent, directly or through another agent's handoff or agent tool; deny wins over allow. */
export interface AgentAccessPolicy {
  /** The rules, in any order: deny wins over allow. */
  rules: AgentAccessRule[];
  /** Refuse agents that no allow rule grants; @default false (allowed) */
  defaultDeny?: boolean;
}

/**
 * An agent access policy, compiled once and shared by a set of agents. One check serves every way into
 * an agent: a direct call (AgentService, a queued run, the chat endpoint) and a handoff or agent tool
 * of another agent, whose tool the model is then never offered; so an agent the rules keep from a
 * caller cannot be reached by asking another agent for it either.
 */
export class AgentAccess {
  private readonly engine: PolicyEngine;

  constructor(policy: AgentAccessPolicy) {
    if (!policy || !Array.isArray(policy.rules)) throw new AgentConfigError('an agent access policy needs a rules array');
    const rules = policy.rules.map((r, i) => {
      if (r?.effect !== 'allow' && r?.effect !== 'deny') throw new AgentConfigError(`agent access rule ${r?.id ?? i}: effect must be allow or deny`);
      const known = new Set(['id', 'effect', 'agents', 'tenants', 'principals', 'roles']);
      const unknown = Object.keys(r).find((k) => !known.has(k));
      // A tool rule's `tools` here would match every agent (an unset condition matches all): say so instead.
      if (unknown) throw new AgentConfigError(`agent access rule ${r.id ?? i}: unknown field "${unknown}" (agents, tenants, principals, roles)`);
      if (r.agents !== undefined && (!Array.isArray(r.agents) || r.agents.some((p) => typeof p !== 'string' || !p))) throw new AgentConfigError(`agent access rule ${r.id ?? i}: agents must be a list of non-empty patterns`);
      return { id: r.id ?? `rule[${i}]`, effect: r.effect, tools: r.agents, tenants: r.tenants, principals: r.principals, roles: r.roles };
    });
    this.engine = new PolicyEngine({ rules, defaultDeny: policy.defaultDeny === true });
  }

  /** Whether the subject may call the agent, with the rule that decided (for refusals and audit). */
  decide(agent: string, subject: PolicySubject): PolicyDecision {
    return this.engine.decide(agent, subject);
  }

  /** Whether the subject may call the agent. */
  allows(agent: string, subject: PolicySubject): boolean {
    return this.decide(agent, subject).allowed;
  }
}
