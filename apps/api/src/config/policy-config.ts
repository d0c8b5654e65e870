import { AgentConfigError, PolicyEngine, type ToolPolicy } from '@agentnest/agent';
import { ConfigError } from './config.error.js';

/** TOOL_POLICY: the demo agents' tool policy as JSON (`{rules:[{effect, tools?, tenants?, principals?, roles?}], defaultDeny?}`). */
export function loadToolPolicy(raw: string | undefined): ToolPolicy | undefined {
  if (!raw) return undefined;
  let policy: ToolPolicy;
  try {
    policy = JSON.parse(raw) as ToolPolicy;
  } catch {
    throw new ConfigError('TOOL_POLICY', 'must be valid JSON');
  }
  try {
    new PolicyEngine(policy);
  } catch (err) {
    if (err instanceof AgentConfigError) throw new ConfigError('TOOL_POLICY', err.message);
    throw err;
  }
  return policy;
}
