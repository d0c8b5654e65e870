import { AgentConfigError } from '../agent.errors.js';

/** Who is asking for a tool: the run's tenant and principal, and the caller's roles. */
export interface PolicySubject {
  tenant?: string;
  principal?: string;
  roles?: readonly string[];
}

/**
 * One rule. Each condition is a list of glob patterns (`*` any run of characters, `?` one); a rule
 * matches when every condition it sets matches (for roles: any of the caller's roles). Unset
 * conditions match everything.
 */
export interface PolicyRule {
  /** Names the rule in audit events; @default its position, `rule[2]` */
  id?: string;
  effect: 'allow' | 'deny';
  tools?: string[];
  tenants?: string[];
  principals?: string[];
  roles?: string[];
}

/** IAM-style tool policy: deny wins over allow; with no matching rule the default decides. */
export interface ToolPolicy {
  rules: PolicyRule[];
  /** Refuse tools that no allow rule grants; @default false (allowed) */
  defaultDeny?: boolean;
}

export type PolicyDecision = { allowed: true; rule?: string } | { allowed: false; rule: string };

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

interface CompiledRule {
  id: string;
  effect: 'allow' | 'deny';
  tools?: RegExp[];
  tenants?: RegExp[];
  principals?: RegExp[];
  roles?: RegExp[];
}

const any = (patterns: RegExp[] | undefined, value: string | undefined) => !patterns || (value !== undefined && patterns.some((p) => p.test(value)));

/** A policy checked before every tool call; built once per agent definition (patterns compiled then). */
export class PolicyEngine {
  private readonly rules: CompiledRule[];

  constructor(private readonly policy: ToolPolicy) {
    if (!policy || !Array.isArray(policy.rules)) throw new AgentConfigError('a tool policy needs a rules array');
    this.rules = policy.rules.map((r, i) => {
      if (r.effect !== 'allow' && r.effect !== 'deny') throw new AgentConfigError(`policy rule ${r.id ?? i}: effect must be allow or deny`);
      const compile = (field: keyof Pick<PolicyRule, 'tools' | 'tenants' | 'principals' | 'roles'>) => {
        const list = r[field];
        if (list === undefined) return undefined;
        if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || !p)) throw new AgentConfigError(`policy rule ${r.id ?? i}: ${field} must be a list of non-empty patterns`);
        return list.map(glob);
      };
      return { id: r.id ?? `rule[${i}]`, effect: r.effect, tools: compile('tools'), tenants: compile('tenants'), principals: compile('principals'), roles: compile('roles') };
    });
  }

  decide(tool: string, subject: PolicySubject): PolicyDecision {
    let allowedBy: string | undefined;
    for (const r of this.rules) {
      if (!any(r.tools, tool) || !any(r.tenants, subject.tenant) || !any(r.principals, subject.principal)) continue;
      if (r.roles && !(subject.roles ?? []).some((role) => any(r.roles, role))) continue;
      if (r.effect === 'deny') return { allowed: false, rule: r.id };
      allowedBy ??= r.id;
    }
    if (allowedBy) return { allowed: true, rule: allowedBy };
    return this.policy.defaultDeny ? { allowed: false, rule: 'default-deny' } : { allowed: true };
  }
}
