import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mock, mockEmbedder } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { MemoryModule } from '@agentnest/memory/nest';
import { AgentModule } from './agent.module.js';
import { AgentService } from './agent.service.js';
import type { AgentModuleOptions } from './agent-module.options.js';
import { TenantContext } from '../context/tenant-context.js';
import { TenantRequiredError } from '../errors/agent.errors.js';

describe('agent definitions', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('pass every Agent.create option through: recall reaches the agent', async () => {
    const memory = new InMemoryStore();
    const provider = mock({ respond: (req) => (req.system?.includes('favourite colour is green') ? 'green' : 'no idea') });
    app = await (await Test.createTestingModule({ imports: [AgentModule.forRoot({ memory, agents: { r: { provider, model: 'm', recall: { embedder: mockEmbedder(), k: 2 } } } })] }).compile()).init();
    const agents = app.get(AgentService);
    const alice = { tenant: 'acme', principal: 'alice' };
    await agents.run('r', { message: 'My favourite colour is green, by the way.', conversationId: 'old', identity: alice });
    const r = await agents.run('r', { message: 'What is my favourite colour?', conversationId: 'new', identity: alice });
    expect(r).toMatchObject({ status: 'completed', text: 'green' });
    expect(provider.calls.at(-1)!.system).toContain('- user: My favourite colour is green, by the way.');
  });
});

@Injectable()
class Settings {
  readonly values = { requireTenant: true, model: 'from-settings' };
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

/** A class that builds the options, for `useClass`. */
@Injectable()
class AgentOptionsFactory {
  constructor(private readonly settings: Settings) {}

  create(): AgentModuleOptions {
    return { ...this.settings.values, provider: mock({ respond: (req) => `${req.model}: ${req.messages.at(-1)!.content}` }), agents: { a: {} } };
  }
}

describe('AgentModule async options', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('takes every option from the factory: memory, requireTenant, provider and model defaults', async () => {
    const memory = new InMemoryStore();
    app = await (
      await Test.createTestingModule({
        imports: [AgentModule.forRootAsync({ imports: [SettingsModule], inject: [Settings], useFactory: (s: Settings) => ({ ...s.values, memory, provider: mock({ reply: 'ok' }), agents: { a: {} } }) })],
      }).compile()
    ).init();
    const agents = app.get(AgentService);
    await expect(agents.run('a', { message: 'x' })).rejects.toBeInstanceOf(TenantRequiredError);
    await app.get(TenantContext).run({ tenant: 't' }, () => agents.run('a', { message: 'x', conversationId: 'c' }));
    expect((await memory.load({ tenant: 't', conversationId: 'c' })).map((m) => m.content)).toEqual(['x', 'ok']);
    expect(agents.list({ identity: { tenant: 't' } })[0]).toMatchObject({ name: 'a', model: 'from-settings' });
  });

  it("uses the app's MEMORY_STORE when no memory is given", async () => {
    const store = new InMemoryStore();
    app = await (await Test.createTestingModule({ imports: [MemoryModule.forRoot({ store, isGlobal: true }), AgentModule.forRoot({ agents: { a: { provider: mock({ reply: 'kept' }), model: 'm' } } })] }).compile()).init();
    await app.get(AgentService).run('a', { message: 'x', conversationId: 'c', identity: { tenant: 't' } });
    expect((await store.load({ tenant: 't', conversationId: 'c' })).map((m) => m.content)).toEqual(['x', 'kept']);
  });

  it('takes them from a class (useClass)', async () => {
    app = await (await Test.createTestingModule({ imports: [AgentModule.forRootAsync({ imports: [SettingsModule], useClass: AgentOptionsFactory })] }).compile()).init();
    const agents = app.get(AgentService);
    expect(await agents.run('a', { message: 'hi', identity: { tenant: 't' } })).toMatchObject({ status: 'completed', text: 'from-settings: hi' });
  });
});
