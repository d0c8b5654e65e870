import { AgentConfigError } from '../errors/agent.errors.js';
import { subConversationId } from './run-link.js';

/**
 * What the team checks need of an agent: its name and the agents it reaches (an `Agent`; structural so the team layer does not import it).
 * @inline
 */
export interface TeamNode {
  readonly name: string;
  teamEdges(): { maxDepth: number; tools: Array<{ tool: string; name: string; agent?: TeamNode }>; handoffs: Array<{ name: string; agent?: TeamNode }> };
}

/**
 * Checks agents that name each other (AgentService runs it at boot): every agent named in a
 * handoff or agent tool exists, agents called as tools form no cycle, and no chain of agent tools
 * nests deeper than its first agent's maxAgentDepth. Handoffs may form cycles: a conversation
 * handed back is normal, and within one run an agent gets it at most once.
 */
export function checkTeam(agents: Iterable<TeamNode>): void {
  const byName = new Map<string, TeamNode>();
  for (const agent of agents) {
    if (byName.has(agent.name)) throw new AgentConfigError(`two agents are named "${agent.name}"`);
    byName.set(agent.name, agent);
  }
  const find = (from: TeamNode, name: string, agent: TeamNode | undefined, what: string): TeamNode => {
    const found = agent ?? byName.get(name);
    if (!found) throw new AgentConfigError(`agent "${from.name}" ${what} "${name}", which is not registered`);
    return found;
  };
  for (const agent of byName.values()) for (const h of agent.teamEdges().handoffs) find(agent, h.name, h.agent, 'hands off to');
  // Longest chain of agent tools below each agent; a name met again on the way down is a cycle.
  const below = new Map<string, number>();
  const depthBelow = (agent: TeamNode, path: string[]): number => {
    if (path.includes(agent.name)) throw new AgentConfigError(`agents call each other as tools in a cycle: ${[...path, agent.name].join(' → ')}`);
    const known = below.get(agent.name);
    if (known !== undefined) return known;
    let deepest = 0;
    for (const t of agent.teamEdges().tools) deepest = Math.max(deepest, 1 + depthBelow(find(agent, t.name, t.agent, 'calls agent'), [...path, agent.name]));
    below.set(agent.name, deepest);
    return deepest;
  };
  for (const agent of byName.values()) {
    const { maxDepth } = agent.teamEdges();
    const depth = depthBelow(agent, []);
    if (depth > maxDepth) throw new AgentConfigError(`agent "${agent.name}": agents called as tools nest ${depth} deep below it, more than maxAgentDepth ${maxDepth}`);
  }
}

/**
 * Every conversation the agents' tools may have kept under `conversationId` (sub-agents' own
 * conversations, nested), so erasing a conversation erases them too.
 */
export function subConversationIds(agents: Iterable<TeamNode>, conversationId: string): string[] {
  const found = new Set<string>();
  const visit = (agent: TeamNode, conversation: string, depth: number) => {
    if (depth > 10) return;
    for (const t of agent.teamEdges().tools) {
      if (!t.agent) continue;
      const id = subConversationId(conversation, t.tool);
      found.add(id);
      visit(t.agent, id, depth + 1);
    }
  };
  for (const agent of agents) visit(agent, conversationId, 0);
  return [...found];
}
