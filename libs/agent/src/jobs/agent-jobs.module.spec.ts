import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mock } from '@agentnest/providers';
import { TenantContext } from '../context/tenant-context.js';
import { AgentModule } from '../nest/agent.module.js';
import { AgentJobs } from './agent-jobs.service.js';
import { AgentJobsModule } from './agent-jobs.module.js';

const sockets = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;

describe('AgentJobsModule', () => {
  it('calls the factory once, finds a non-global AgentModule, runs a job, and closes what it opened', async () => {
    const before = sockets();
    let factoryCalls = 0;
    @Module({
      imports: [
        AgentModule.forRoot({ agents: { echo: { provider: mock({ reply: 'queued hello' }), model: 'm' } } }),
        AgentJobsModule.forRootAsync({
          useFactory: async () => {
            factoryCalls++;
            return { redis: process.env.REDIS_URL!, prefix: `jobs-module-spec-${randomUUID()}:` };
          },
        }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    await app.init();
    const jobs = app.get(AgentJobs);
    const tenant = app.get(TenantContext);
    const { runId } = await tenant.run({ tenant: 'acme', principal: 'alice' }, () => jobs.enqueue('echo', { message: 'hi' }));
    const deadline = Date.now() + 10_000;
    let record = await tenant.run({ tenant: 'acme', principal: 'alice' }, () => jobs.get(runId));
    while (record?.status !== 'completed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      record = await tenant.run({ tenant: 'acme', principal: 'alice' }, () => jobs.get(runId));
    }
    expect(record).toMatchObject({ status: 'completed', reply: 'queued hello' });
    expect(factoryCalls).toBe(1);
    await app.close();
    // Sockets that are closing still count for a moment; a leaked connection never goes.
    for (let i = 0; i < 100 && sockets() > before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(sockets()).toBeLessThanOrEqual(before);
  });
});
