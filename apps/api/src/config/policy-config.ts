import { AgentAccess, AgentConfigError, PolicyEngine, type AgentAccessPolicy, type ToolPolicy } from '@agentnest/agent';
import { ConfigError } from './config.error.js';

/** A policy from JSON, checked by building it once; undefined when the variable is unset. */
function loadPolicy<P>(name: string, raw: string | undefined, check: (policy: P) => unknown): P | undefined {
  if (!raw) return undefined;
  let policy: P;
  try {
    policy = JSON.parse(raw) as P;
  } catch {
    throw new ConfigError(name, 'must be valid JSON');
  }
  try {
    check(policy);
  } catch (err) {
    if (err instanceof AgentConfigError) throw new ConfigError(name, err.message);
    throw err;
  }
  return policy;
}

/** TOOL_POLICY: the demo agents' tool policy as JSON (`{rules:[{effect, tools?, tenants?, principals?, roles?}], defaultDeny?}`). */
export const loadToolPolicy = (raw: string | undefined): ToolPolicy | undefined => loadPolicy<ToolPolicy>('TOOL_POLICY', raw, (p) => new PolicyEngine(p));

/** AGENT_ACCESS: who may call which agent, as JSON (`{rules:[{effect, agents?, tenants?, principals?, roles?}], defaultDeny?}`). */
export const loadAgentAccess = (raw: string | undefined): AgentAccessPolicy | undefined => loadPolicy<AgentAccessPolicy>('AGENT_ACCESS', raw, (p) => new AgentAccess(p));
