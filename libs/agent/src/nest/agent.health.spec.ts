import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { InMemoryCircuitState, mock, type CircuitStateStore } from '@agentnest/providers';
import { AgentModule } from './agent.module.js';
import { AgentHealthIndicator } from './agent.health.js';
import type { McpToolSource } from '../mcp/mcp-tool-source.js';

const CONFIG = { failureThreshold: 1, cooldownMs: 60_000, halfOpenSuccesses: 1 };

// An MCP server that is reconnecting, as its status reports it.
const reconnecting: McpToolSource = { name: 'files', connect: async () => {}, close: async () => {}, tools: () => [], status: () => ({ server: 'files', state: 'reconnecting', attempt: 1, reconnects: 2 }) };

@Controller('health')
class HealthController {
  constructor(
    readonly health: HealthCheckService,
    readonly agents: AgentHealthIndicator,
  ) {}

  @Get()
  check(state: CircuitStateStore) {
    return this.health.check([() => this.agents.isHealthy(), () => this.agents.mcp(), () => this.agents.circuits(state, ['openai', 'anthropic'])]);
  }
}

describe('AgentHealthIndicator', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("reports agents, MCP servers and open circuits as degraded, never down, in terminus' health check", async () => {
    app = await (
      await Test.createTestingModule({
        imports: [TerminusModule, AgentModule.forRoot({ agents: { a: { provider: mock({ reply: 'x' }), model: 'm' } }, mcpServers: [reconnecting] })],
        controllers: [HealthController],
      }).compile()
    ).init();
    const state = new InMemoryCircuitState();
    state.record('openai', false, CONFIG);
    const result = await app.get(HealthController).check(state);
    expect(result).toMatchObject({
      status: 'ok',
      details: {
        agents: { status: 'up', count: 1 },
        mcp: { status: 'up', degraded: true, servers: { files: { state: 'reconnecting', reconnects: 2 } } },
        circuits: { status: 'up', degraded: true, circuits: { openai: 'open', anthropic: 'closed' } },
      },
    });
  });

  it('is down when the circuit store cannot be read', async () => {
    app = await (await Test.createTestingModule({ imports: [AgentModule.forRoot({ agents: { a: { provider: mock({ reply: 'x' }), model: 'm' } } })] }).compile()).init();
    const broken = { state: async () => Promise.reject(new Error('redis gone')) } as unknown as CircuitStateStore;
    expect(await app.get(AgentHealthIndicator).circuits(broken, ['openai'], 'llm')).toEqual({ llm: { status: 'down' } });
    expect(app.get(AgentHealthIndicator).mcp()).toEqual({ mcp: { status: 'up', degraded: false, servers: {} } });
  });
});
