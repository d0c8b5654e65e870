import { AgentConfigError } from '../errors/agent.errors.js';

/** Who is asking for a tool: the run's tenant and principal, and the caller's roles. */
export interface PolicySubject {
  /** The run's tenant. */
  tenant?: string;
  /** The run's principal. */
  principal?: string;
  /** The caller's roles. */
  roles?: readonly string[];
}

/** The subject a policy decides for: the identity's tenant and principal (not its conversation), and the caller's roles. */
export const subjectOf = (identity: { tenant?: string; principal?: string }, roles?: readonly string[]): PolicySubject => ({ tenant: identity.tenant, principal: identity.principal, roles });

/**
 * One rule. Each condition is a list of glob patterns (`*` any run of characters, `?` one); a rule
 * matches when every condition it sets matches (for roles: any of the caller's roles). Unset
 * conditions match everything.
 */
export interface PolicyRule {
  /** Names the rule in audit events; @default its position, `rule[2]` */
  id?: string;
  /** `approve`: allowed once someone with one of `approverRoles` approves the exact call. */
  effect: 'allow' | 'deny' | 'approve';
  /** With `approve`: who may approve (role globs); required. */
  approverRoles?: string[];
  /** With `approve`: the caller may approve their own call; @default false (separation of duties) */
  selfApproval?: boolean;
  /** Tool names the rule covers (MCP tools as `<server>__<tool>`). */
  tools?: string[];
  /** Tenants it covers. */
  tenants?: string[];
  /** Principals it covers. */
  principals?: string[];
  /** Caller roles it covers (any one of the caller's matches). */
  roles?: string[];
}

/** IAM-style tool policy: deny wins over allow; with no matching rule the default decides. */
export interface ToolPolicy {
  /** The rules, in any order: deny wins, then approve, then allow. */
  rules: PolicyRule[];
  /** Refuse tools that no allow rule grants; @default false (allowed) */
  defaultDeny?: boolean;
}

/** What approving a call takes: someone with one of these roles, and (unless allowed) not the caller. */
export interface ApprovalRequirement {
  /** The approve rule that matched. */
  rule: string;
  /** Role globs of who may approve. */
  approverRoles: string[];
  /** Whether the caller may approve their own call. */
  selfApproval: boolean;
}

/** Whether a call may go ahead (and whether it needs an approval first), with the rule that decided. */
export type PolicyDecision = { allowed: true; rule?: string; approval?: ApprovalRequirement } | { allowed: false; rule: string };

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

interface CompiledRule {
  id: string;
  effect: 'allow' | 'deny' | 'approve';
  approverRoles?: string[];
  selfApproval?: boolean;
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
      if (r.effect !== 'allow' && r.effect !== 'deny' && r.effect !== 'approve') throw new AgentConfigError(`policy rule ${r.id ?? i}: effect must be allow, deny or approve`);
      if (r.effect === 'approve' && (!Array.isArray(r.approverRoles) || !r.approverRoles.length || r.approverRoles.some((x) => typeof x !== 'string' || !x))) {
        throw new AgentConfigError(`policy rule ${r.id ?? i}: approve needs approverRoles, a list of role names`);
      }
      const compile = (field: keyof Pick<PolicyRule, 'tools' | 'tenants' | 'principals' | 'roles'>) => {
        const list = r[field];
        if (list === undefined) return undefined;
        if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || !p)) throw new AgentConfigError(`policy rule ${r.id ?? i}: ${field} must be a list of non-empty patterns`);
        return list.map(glob);
      };
      return { id: r.id ?? `rule[${i}]`, effect: r.effect, approverRoles: r.approverRoles, selfApproval: r.selfApproval === true, tools: compile('tools'), tenants: compile('tenants'), principals: compile('principals'), roles: compile('roles') };
    });
  }

  /** Deny wins; then a matching approve rule (the call needs an approval); then allow; then the default. */
  decide(tool: string, subject: PolicySubject): PolicyDecision {
    let allowedBy: string | undefined;
    let approval: ApprovalRequirement | undefined;
    for (const r of this.rules) {
      if (!any(r.tools, tool) || !any(r.tenants, subject.tenant) || !any(r.principals, subject.principal)) continue;
      if (r.roles && !(subject.roles ?? []).some((role) => any(r.roles, role))) continue;
      if (r.effect === 'deny') return { allowed: false, rule: r.id };
      if (r.effect === 'approve') approval ??= { rule: r.id, approverRoles: r.approverRoles!, selfApproval: r.selfApproval === true };
      else allowedBy ??= r.id;
    }
    if (approval) return { allowed: true, rule: approval.rule, approval };
    if (allowedBy) return { allowed: true, rule: allowedBy };
    return this.policy.defaultDeny ? { allowed: false, rule: 'default-deny' } : { allowed: true };
  }
}
