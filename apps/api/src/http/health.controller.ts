import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { AgentHealthIndicator, AgentService } from '@agentnest/agent/nest';
import { AgentJobsHealthIndicator } from '@agentnest/agent/jobs';
import { MemoryHealthIndicator } from '@agentnest/memory/nest';
import { Public } from '../auth/public.decorator.js';
import type { Llm } from '../llm/llm.factory.js';
import { LLM } from '../llm/llm.module.js';
import { RedisConnection } from '../redis/redis-connection.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly agentHealth: AgentHealthIndicator,
    private readonly memory: MemoryHealthIndicator,
    private readonly agents: AgentService,
    private readonly redis: RedisConnection,
    @Inject(LLM) private readonly llm: Llm,
    @Optional() private readonly queue?: AgentJobsHealthIndicator,
  ) {}

  @Get()
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness and readiness: the memory store, Redis and the queue answer (each within a second), agents are registered; MCP servers and the LLM providers\' circuits are reported (degraded, not down, while one reconnects or is open)' })
  check() {
    const up = (name: string, ok: boolean) => (ok ? this.indicators.check(name).up() : this.indicators.check(name).down());
    return this.health.check([
      ...(this.redis.client ? [async () => up('redis', await this.redis.ping())] : []),
      ...(this.queue ? [() => this.queue!.isHealthy('queue')] : []),
      () => this.memory.isHealthy('memory'),
      () => this.agentHealth.isHealthy('agents'),
      () => this.agentHealth.circuits(this.llm.circuits.state, this.llm.circuits.keys, 'circuits'),
      ...(this.agents.mcpStatus().length ? [() => this.agentHealth.mcp('mcp')] : []),
    ]);
  }
}
