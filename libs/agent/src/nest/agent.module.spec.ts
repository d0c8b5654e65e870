import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mock } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { AgentModule } from './agent.module.js';
import { AgentService } from './agent.service.js';
import { AgentTool } from './agent-tool.decorator.js';
import { TenantContext } from '../context/tenant-context.js';
import { askHuman } from '../tools/ask-human.js';
import { isPaused, type RunResult } from '../run/agent.types.js';
import { AgentConfigError, CheckpointIdentityError, TenantRequiredError, UnknownAgentError } from '../errors/agent.errors.js';
import type { ToolContext } from '../tools/tool.js';
import { pass, rewrite, trip } from '../guardrails/guardrail.js';
import { summaryConversationId } from '../run/summary.js';

const SECRET = 'module-spec-secret-0123456789abcdefghij';

@Injectable()
class Inventory {
  stock(sku: string) {
    return sku === 'A1' ? 7 : 0;
  }
}

@Injectable()
class InventoryTools {
  constructor(private readonly inventory: Inventory) {}

  @AgentTool({ description: 'Units in stock for a SKU', inputSchema: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] } })
  stockLevel(args: { sku: string }, ctx: ToolContext) {
    return { sku: args.sku, units: this.inventory.stock(args.sku), tenant: ctx.identity.tenant };
  }
}

@Module({ providers: [Inventory, InventoryTools], exports: [Inventory] })
class InventoryModule {}

// Replies with the stock tool's result, or echoes with the number of messages it was sent.
const provider = mock({
  respond: (req) => {
    const last = req.messages.at(-1)!;
    if (last.role === 'tool') return `tool said ${last.content}`;
    if (last.content.startsWith('stock')) return { toolCalls: [{ name: 'stockLevel', args: { sku: last.content.split(' ')[1] } }] };
    if (last.content === 'ask') return { toolCalls: [{ name: 'askHuman', args: { question: 'why?' } }] };
    return `heard ${req.messages.length}`;
  },
});

const completedReply = (r: RunResult) => (r.status === 'completed' ? r.text : `paused`);

describe('AgentModule', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function boot(extra: { requireTenant?: boolean; tools?: string[] } = {}) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        InventoryModule,
        AgentModule.forRoot({
          agents: { shop: { provider, model: 'm', tools: extra.tools ?? ['stockLevel', askHuman] } },
          checkpointSecret: SECRET,
          requireTenant: extra.requireTenant,
        }),
      ],
    }).compile();
    app = await moduleRef.init();
    return { agents: app.get(AgentService), ctx: app.get(TenantContext) };
  }

  it('discovers @AgentTool methods that use injected services, and lists agents with their tools', async () => {
    const { agents, ctx } = await boot();
    const r = await ctx.run({ tenant: 'acme', principal: 'alice' }, () => agents.run('shop', { message: 'stock A1' }));
    expect(completedReply(r)).toBe('tool said {"sku":"A1","units":7,"tenant":"acme"}');
    expect(agents.list()).toEqual([expect.objectContaining({ name: 'shop', model: 'm', provider: 'mock', tools: [expect.objectContaining({ name: 'stockLevel' }), expect.objectContaining({ name: 'askHuman' })] })]);
  });

  it('scopes memory by the identity in the request context', async () => {
    const { agents, ctx } = await boot();
    const acme = { tenant: 'acme', principal: 'u' };
    const globex = { tenant: 'globex', principal: 'u' };
    await ctx.run(acme, () => agents.run('shop', { message: 'hello', conversationId: 'same' }));
    const second = await ctx.run(globex, () => agents.run('shop', { message: 'hello', conversationId: 'same' }));
    expect(completedReply(second)).toBe('heard 1');
    expect((await ctx.run(acme, () => agents.history('same'))).map((m) => m.content)).toEqual(['hello', 'heard 1']);
    expect(await ctx.run({ tenant: 'acme', principal: 'other' }, () => agents.history('same'))).toEqual([]);
  });

  it('refuses runs without a tenant before touching the model when requireTenant is on', async () => {
    const { agents, ctx } = await boot({ requireTenant: true });
    const before = provider.callCount;
    await expect(agents.run('shop', { message: 'hi' })).rejects.toBeInstanceOf(TenantRequiredError);
    await expect(ctx.run({ principal: 'p' }, () => agents.run('shop', { message: 'hi' }))).rejects.toBeInstanceOf(TenantRequiredError);
    expect(provider.callCount).toBe(before);
  });

  it('resumes only for the identity that paused', async () => {
    const { agents, ctx } = await boot();
    const paused = await ctx.run({ tenant: 'acme', principal: 'a' }, () => agents.run('shop', { message: 'ask' }));
    if (!isPaused(paused)) throw new Error('expected pause');
    await expect(ctx.run({ tenant: 'globex', principal: 'a' }, () => agents.resume('shop', paused.checkpoint, 'x'))).rejects.toBeInstanceOf(CheckpointIdentityError);
    await expect(agents.resume('shop', paused.checkpoint, 'x')).rejects.toBeInstanceOf(CheckpointIdentityError);
    const done = await ctx.run({ tenant: 'acme', principal: 'a' }, () => agents.resume('shop', paused.checkpoint, 'because'));
    expect(completedReply(done)).toBe('tool said because');
  });

  it('fails at boot on a tool name no provider offers, and at call time on an unknown agent', async () => {
    await expect(boot({ tools: ['nope'] })).rejects.toBeInstanceOf(AgentConfigError);
    const { agents } = await boot();
    await expect(agents.run('missing', { message: 'x' })).rejects.toBeInstanceOf(UnknownAgentError);
  });

  it('gives registered agents their structured output tiers, checking canned values at boot', async () => {
    const output = { schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] }, canned: { ok: false } };
    const moduleRef = await Test.createTestingModule({ imports: [AgentModule.forRoot({ agents: { judge: { provider: mock({ reply: 'not json' }), model: 'm', output } } })] }).compile();
    app = await moduleRef.init();
    expect(await app.get(AgentService).run('judge', { message: 'x' })).toMatchObject({ status: 'completed', output: { ok: false }, outputTier: 'canned' });
    const bad = await Test.createTestingModule({ imports: [AgentModule.forRoot({ agents: { judge: { provider: mock({ reply: 'x' }), model: 'm', output: { ...output, canned: { ok: 'no' } } } } })] }).compile();
    await expect(bad.init()).rejects.toBeInstanceOf(AgentConfigError);
  });

  it("runs the module's guardrails before each agent's own, with the caller's tenant", async () => {
    const order: string[] = [];
    const tagged = (name: string) => ({ name, check: ({ text, identity }: { text: string; identity: { tenant?: string } }) => (order.push(`${name}:${identity.tenant}`), rewrite(`${text}+${name}`)) });
    const moduleRef = await Test.createTestingModule({
      imports: [AgentModule.forRoot({ agents: { echo: { provider: mock({ respond: (req) => req.messages.at(-1)!.content }), model: 'm', guardrails: { input: [tagged('agent')], output: [{ name: 'no-x', check: ({ text }) => (text.includes('stop') ? trip('said stop') : pass()) }] } } }, guardrails: { input: [tagged('module')] } })],
    }).compile();
    app = await moduleRef.init();
    const agents = app.get(AgentService);
    const ctx = app.get(TenantContext);
    expect(completedReply(await ctx.run({ tenant: 'acme', principal: 'alice' }, () => agents.run('echo', { message: 'hi' })))).toBe('hi+module+agent');
    expect(order).toEqual(['module:acme', 'agent:acme']);
    expect(await ctx.run({ tenant: 'acme', principal: 'alice' }, () => agents.run('echo', { message: 'stop' }))).toMatchObject({ status: 'blocked', guardrail: 'no-x', stage: 'output' });
  });

  it('checks at boot that agents named as tools or handoff targets exist and that agent tools form no cycle', async () => {
    const boot = (agents: Parameters<typeof AgentModule.forRoot>[0]['agents']) => Test.createTestingModule({ imports: [AgentModule.forRoot({ agents })] }).compile().then((m) => m.init());
    const echo = { provider: mock({ reply: 'x' }), model: 'm' };
    await expect(boot({ a: { ...echo, agentTools: ['ghost'] } })).rejects.toThrow('agent "a" calls agent "ghost" as a tool, which is not a registered agent');
    await expect(boot({ a: { ...echo, handoffs: ['ghost'] } })).rejects.toThrow('agent "a" hands off to "ghost", which is not a registered agent');
    await expect(boot({ a: { ...echo, agentTools: ['b'] }, b: { ...echo, agentTools: ['a'] } })).rejects.toThrow('agents call each other as tools in a cycle: a → b → a');
    // Handing back and forth is allowed: within one run an agent gets the conversation once.
    app = await boot({ a: { ...echo, handoffs: ['b'] }, b: { ...echo, handoffs: ['a'], agentTools: [{ agent: 'c', name: 'ask_c', history: 'parent' }] }, c: echo });
    expect(app.get(AgentService).list().map((x) => [x.name, x.tools.map((t) => t.name), x.handoffs])).toEqual([
      ['a', ['transfer_to_b'], ['b']],
      ['b', ['ask_c', 'transfer_to_a'], ['a']],
      ['c', [], []],
    ]);
  });

  it('erases a conversation with its summary', async () => {
    const memory = new InMemoryStore();
    const moduleRef = await Test.createTestingModule({
      imports: [AgentModule.forRoot({ memory, agents: { long: { provider: mock({ reply: 'ok' }), model: 'm', context: { window: 600, replyTokens: 100, summarize: { maxTokens: 50 } } } } })],
    }).compile();
    app = await moduleRef.init();
    const agents = app.get(AgentService);
    const ctx = app.get(TenantContext);
    const owner = { tenant: 'acme', principal: 'alice' };
    const id = { ...owner, conversationId: 'c-long' };
    await memory.append(id, Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? ('assistant' as const) : ('user' as const), content: `message ${i} ${'words '.repeat(20)}` })));
    await ctx.run(owner, () => agents.run('long', { message: 'next', conversationId: 'c-long' }));
    const summary = { ...owner, conversationId: summaryConversationId('c-long') };
    // Stored batch by batch: the summarising model is the agent's, whose 600-token window takes a few messages a call.
    expect((await memory.load(summary)).length).toBeGreaterThan(0);
    await ctx.run(owner, () => agents.clearConversation('c-long'));
    expect([await memory.load(id), await memory.load(summary)]).toEqual([[], []]);
  });

  it('is injectable from any module when isGlobal is set', async () => {
    @Injectable()
    class Consumer {
      constructor(readonly agents: AgentService) {}
    }
    @Module({ providers: [Consumer] })
    class ConsumerModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [ConsumerModule, AgentModule.forRoot({ agents: { g: { provider: mock({ reply: 'global' }), model: 'm' } }, isGlobal: true })],
    }).compile();
    app = await moduleRef.init();
    const r = await app.get(Consumer).agents.run('g', { message: 'x' });
    expect(completedReply(r)).toBe('global');
  });

  it('is configured asynchronously from injected providers', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AgentModule.forRootAsync({
          imports: [InventoryModule],
          inject: [Inventory],
          useFactory: (inv: Inventory) => ({ agents: { [`stock${inv.stock('A1')}`]: { provider: mock({ reply: 'ok' }), model: 'm' } } }),
        }),
      ],
    }).compile();
    app = await moduleRef.init();
    const agents = app.get(AgentService);
    expect(agents.has('stock7')).toBe(true);
    expect(completedReply(await agents.run('stock7', { message: 'x', identity: { tenant: 't' } }))).toBe('ok');
  });
});
