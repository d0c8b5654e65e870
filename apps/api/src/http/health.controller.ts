import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { AGENT_MEMORY_STORE, AgentService } from '@agentnest/agent/nest';
import { AgentJobsHealthIndicator } from '@agentnest/agent/jobs';
import type { MemoryStore } from '@agentnest/memory';
import { Public } from '../auth/public.decorator.js';
import { RedisConnection } from '../redis/redis-connection.js';

// A read under an identity no client can hold (API tenants never contain spaces) proves the store answers.
const PROBE = { tenant: 'health probe', conversationId: 'probe' };

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly agents: AgentService,
    @Inject(AGENT_MEMORY_STORE) private readonly memory: MemoryStore,
    private readonly redis: RedisConnection,
    @Optional() private readonly queue?: AgentJobsHealthIndicator,
  ) {}

  @Get()
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness and readiness: the memory store, Redis and the queue answer (each within a second), agents are registered; MCP servers are reported (degraded, not down, while one reconnects)' })
  check() {
    const up = (name: string, ok: boolean) => (ok ? this.indicators.check(name).up() : this.indicators.check(name).down());
    return this.health.check([
      ...(this.redis.client ? [async () => up('redis', await this.redis.ping())] : []),
      ...(this.queue ? [() => this.queue!.isHealthy('queue')] : []),
      async () => {
        const memory = this.indicators.check('memory');
        try {
          await this.memory.load(PROBE, { limit: 1 });
          return memory.up({ store: this.memory.name });
        } catch {
          return memory.down({ store: this.memory.name });
        }
      },
      () => this.indicators.check('agents').up({ count: this.agents.size }),
      ...(this.agents.mcpStatus().length ? [() => this.mcp()] : []),
    ]);
  }

  /**
   * MCP servers degrade readiness, never fail it: a lost server is being reconnected by this
   * instance (restarting it would not bring a remote server back), its tools answer `mcp_unavailable`
   * meanwhile, and every other agent and tool still works. `degraded` says one is not connected.
   */
  private mcp() {
    const servers = Object.fromEntries(this.agents.mcpStatus().map(({ server, ...state }) => [server, state]));
    return this.indicators.check('mcp').up({ degraded: Object.values(servers).some((s) => s.state !== 'connected'), servers });
  }
}
