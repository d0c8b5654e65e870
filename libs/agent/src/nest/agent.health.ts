import { Injectable } from '@nestjs/common';
import type { CircuitStateName, CircuitStateStore } from '@agentnest/providers';
import { healthResult as result, type HealthIndicatorResult } from '@agentnest/memory/nest';
import { AgentService } from './agent.service.js';


/**
 * `@nestjs/terminus` health indicators for the agents (provided by AgentModule): how many are
 * registered, their MCP servers and their providers' circuit breakers. MCP servers and circuits
 * degrade readiness, never fail it: they report `up` with `degraded: true`, since restarting this
 * instance brings neither a remote server nor a provider back, and every other agent still works.
 * (Results have terminus' shape without importing it, so terminus stays an optional peer.)
 */
@Injectable()
export class AgentHealthIndicator {
  constructor(private readonly agents: AgentService) {}

  /** Up with the number of registered agents. */
  isHealthy<Key extends string = 'agents'>(key: Key = 'agents' as Key): HealthIndicatorResult<Key> {
    return result(key, true, { count: this.agents.size });
  }

  /** Each MCP server's state; `degraded` while one is not connected (its tools answer `mcp_unavailable` meanwhile). */
  mcp<Key extends string = 'mcp'>(key: Key = 'mcp' as Key): HealthIndicatorResult<Key> {
    const servers = Object.fromEntries(this.agents.mcpStatus().map(({ server, ...state }) => [server, state]));
    return result(key, true, { degraded: Object.values(servers).some((s) => s.state !== 'connected'), servers });
  }

  /**
   * Each provider's circuit (the breaker's state store, by circuit key: the provider's name by
   * default); `degraded` while one is open or probing. Down only when the store cannot be read.
   */
  async circuits<Key extends string = 'circuits'>(state: CircuitStateStore, keys: readonly string[], key: Key = 'circuits' as Key): Promise<HealthIndicatorResult<Key>> {
    try {
      const states: Record<string, CircuitStateName> = {};
      for (const circuit of keys) states[circuit] = await state.state(circuit);
      return result(key, true, { degraded: Object.values(states).some((s) => s !== 'closed'), circuits: states });
    } catch {
      return result(key, false, {});
    }
  }
}
