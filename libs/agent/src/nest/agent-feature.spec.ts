import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mock } from '@agentnest/providers';
import { AgentModule } from './agent.module.js';
import { AgentService } from './agent.service.js';
import { AgentHandle } from './agent-handle.js';
import { getAgentToken, InjectAgent } from './agent.token.js';
import { TenantContext } from '../context/tenant-context.js';
import { AgentConfigError, TenantRequiredError } from '../errors/agent.errors.js';
import type { RunResult } from '../run/agent.types.js';

const reply = (r: RunResult) => (r.status === 'completed' ? r.text : r.status);
// Says who it is and which tenant asked, so a reply shows which agent ran for whom.
const echo = (who: string) => mock({ respond: (req) => `${who}: ${req.messages.at(-1)!.content}` });

@Injectable()
class BillingService {
  constructor(@InjectAgent('billing') readonly agent: AgentHandle) {}
}

@Module({ imports: [AgentModule.forFeature({ agents: { billing: { system: 'You answer billing questions.', description: 'Billing' } } })], providers: [BillingService], exports: [BillingService] })
class BillingModule {}

describe('AgentModule.forFeature', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
  });

  async function boot(imports: Parameters<typeof Test.createTestingModule>[0]['imports']) {
    app = await (await Test.createTestingModule({ imports }).compile()).init();
    return { agents: app.get(AgentService), ctx: app.get(TenantContext) };
  }

  it("adds a feature module's agents to the app's registry, with the module's provider and model", async () => {
    const { agents, ctx } = await boot([BillingModule, AgentModule.forRoot({ provider: echo('default'), model: 'm', agents: { support: { provider: echo('support') } } })]);
    expect(agents.list().map((a) => [a.name, a.provider, a.model, a.description])).toEqual([
      ['support', 'mock', 'm', undefined],
      ['billing', 'mock', 'm', 'Billing'],
    ]);
    expect(reply(await ctx.run({ tenant: 'acme' }, () => agents.run('billing', { message: 'invoice?' })))).toBe('default: invoice?');
  });

  it('injects a handle that runs the agent through AgentService, as the caller in the request context', async () => {
    const { ctx } = await boot([BillingModule, AgentModule.forRoot({ provider: echo('default'), model: 'm', requireTenant: true })]);
    const handle = app!.get(BillingService).agent;
    expect(handle).toBeInstanceOf(AgentHandle);
    expect(handle.name).toBe('billing');
    // requireTenant applies: the handle is not the bare core Agent.
    await expect(handle.run({ message: 'hi' })).rejects.toBeInstanceOf(TenantRequiredError);
    const r = await ctx.run({ tenant: 'acme', principal: 'alice' }, () => handle.run({ message: 'hi', conversationId: 'c1' }));
    expect(r).toMatchObject({ status: 'completed', text: 'default: hi', conversationId: 'c1' });
    expect(handle.mayCall({ tenant: 'acme' })).toBe(true);
    expect(app!.get(getAgentToken('billing'), { strict: false })).toBe(handle);
  });

  it('works from the async factory, with AgentModule not global', async () => {
    const { agents } = await boot([BillingModule, AgentModule.forRootAsync({ useFactory: () => ({ provider: echo('async'), model: 'm' }) })]);
    expect(agents.has('billing')).toBe(true);
    expect(reply(await app!.get(BillingService).agent.run({ message: 'x', identity: { tenant: 't' } }))).toBe('async: x');
  });

  it('lets root agents hand off to feature agents by name', async () => {
    const { agents } = await boot([BillingModule, AgentModule.forRoot({ provider: echo('d'), model: 'm', agents: { triage: { handoffs: ['billing'], agentTools: ['billing'] } } })]);
    expect(agents.list().find((a) => a.name === 'triage')!.tools.map((t) => t.name)).toEqual(['billing', 'transfer_to_billing']);
  });

  it('fails boot on a name registered twice, or an agent with no provider from anywhere', async () => {
    const twice = boot([BillingModule, AgentModule.forRoot({ provider: echo('d'), model: 'm', agents: { billing: {} } })]);
    await expect(twice).rejects.toThrow('two agents are named "billing"');
    await expect(boot([BillingModule, AgentModule.forRoot({ model: 'm' })])).rejects.toThrow('agent "billing" has no provider, and AgentModule gives none');
    await expect(boot([AgentModule.forRoot({ provider: echo('d'), model: 'm' })])).rejects.toBeInstanceOf(AgentConfigError);
  });
});
