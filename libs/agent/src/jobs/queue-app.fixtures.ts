import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TenantContext } from '../context/tenant-context.js';
import { AgentJobs } from './agent-jobs.service.js';
import { eventually } from '../../../../test/eventually.js';

// What the jobs module specs share (not shipped: *.fixtures.ts stays out of the build).

/** An app of these modules, with acme/alice's view of its queue: `until` polls a run until it has `status`. */
export async function queueApp(imports: Parameters<typeof Module>[0]['imports']) {
  @Module({ imports })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  await app.init();
  const jobs = app.get(AgentJobs);
  const as = <T>(work: () => Promise<T>) => app.get(TenantContext).run({ tenant: 'acme', principal: 'alice' }, work);
  const until = (runId: string, status: string) =>
    eventually(`run ${runId} to be ${status}`, async () => {
      const record = await as(() => jobs.get(runId));
      return record?.status === status ? record : undefined;
    });
  return { app, jobs, as, until };
}
