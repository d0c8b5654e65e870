import { describe, expect, it } from '@jest/globals';
import { mock } from '@agentnest/providers';
import { Agent } from '../agent.js';
import { AgentConfigError } from '../errors/agent.errors.js';
import { defineTool } from '../tools/tool.js';
import { PolicyEngine } from './tool-policy.js';

describe('PolicyEngine', () => {
  const engine = new PolicyEngine({
    defaultDeny: true,
    rules: [
      { id: 'readers', effect: 'allow', tools: ['search_*', 'clock'] },
      { id: 'admins', effect: 'allow', tools: ['*'], roles: ['admin'] },
      { id: 'no-deletes-for-globex', effect: 'deny', tools: ['*delete*'], tenants: ['globex'] },
      { id: 'interns', effect: 'deny', tools: ['search_payroll'], principals: ['intern-*'] },
    ],
  });

  it('allows by glob, denies by default, and lets deny win over allow', () => {
    expect(engine.decide('search_docs', { tenant: 'acme', principal: 'alice' })).toEqual({ allowed: true, rule: 'readers' });
    expect(engine.decide('delete_user', { tenant: 'acme', principal: 'alice' })).toEqual({ allowed: false, rule: 'default-deny' });
    expect(engine.decide('delete_user', { tenant: 'acme', principal: 'alice', roles: ['admin'] })).toEqual({ allowed: true, rule: 'admins' });
    expect(engine.decide('delete_user', { tenant: 'globex', principal: 'bob', roles: ['admin'] })).toEqual({ allowed: false, rule: 'no-deletes-for-globex' });
    expect(engine.decide('search_payroll', { tenant: 'acme', principal: 'intern-7' })).toEqual({ allowed: false, rule: 'interns' });
    expect(engine.decide('search_payroll', { tenant: 'acme', principal: 'interns' })).toEqual({ allowed: true, rule: 'readers' });
  });

  it('matches whole values only, treating regex characters literally', () => {
    const strict = new PolicyEngine({ defaultDeny: true, rules: [{ effect: 'allow', tools: ['a.b'], tenants: ['t?'] }] });
    expect(strict.decide('a.b', { tenant: 't1' }).allowed).toBe(true);
    expect(strict.decide('axb', { tenant: 't1' }).allowed).toBe(false);
    expect(strict.decide('a.b', { tenant: 't12' }).allowed).toBe(false);
    expect(strict.decide('xa.b', { tenant: 't1' }).allowed).toBe(false);
    // A missing tenant never matches a tenant condition, not even '*'.
    expect(new PolicyEngine({ rules: [{ effect: 'deny', tenants: ['*'] }] }).decide('x', {}).allowed).toBe(true);
  });

  it('allows everything without rules unless defaultDeny, and rejects malformed rules', () => {
    expect(new PolicyEngine({ rules: [] }).decide('anything', {})).toEqual({ allowed: true });
    expect(() => new PolicyEngine({ rules: [{ effect: 'maybe' as 'allow' }] })).toThrow(AgentConfigError);
    expect(() => new PolicyEngine({ rules: [{ effect: 'allow', tools: [''] }] })).toThrow(AgentConfigError);
    expect(() => new PolicyEngine({ rules: 'all' as never })).toThrow(AgentConfigError);
  });
});

describe('tool policy in a run', () => {
  it('refuses a denied call before it executes, tells the model, audits who/which tool/which rule', async () => {
    let executed = 0;
    const wipe = defineTool({ name: 'wipe_disk', description: 'dangerous', inputSchema: { type: 'object' }, execute: () => (executed++, 'wiped') });
    const clock = defineTool({ name: 'clock', description: 'time', inputSchema: { type: 'object' }, execute: () => 'noon' });
    const policy = { defaultDeny: true, rules: [{ id: 'everyone-clock', effect: 'allow' as const, tools: ['clock'] }, { id: 'ops-wipe', effect: 'allow' as const, tools: ['wipe_*'], roles: ['ops'] }] };
    const provider = mock({ respond: (req) => (req.messages.at(-1)!.role === 'tool' ? `model saw: ${req.messages.at(-1)!.content}` : { toolCalls: [{ name: 'wipe_disk', args: {} }, { name: 'clock', args: {} }] }) });
    const events: Array<{ type: string }> = [];
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [wipe, clock], policy });
    agent.attach({ onEvent: (e) => events.push(e) });
    const identity = { tenant: 'acme', principal: 'alice', conversationId: 'c' };

    const r = await agent.run({ message: 'wipe it', identity, roles: ['viewer'] });
    expect(executed).toBe(0);
    // The denied tool was never offered: its name and schema did not reach the model. Once the model
    // called it anyway, it stays declared for the rest of the run (vendors refuse undeclared tool history).
    expect(provider.calls[0].tools!.map((t) => t.name)).toEqual(['clock']);
    expect(provider.calls[1].tools!.map((t) => t.name)).toEqual(['wipe_disk', 'clock']);
    const toolResults = provider.calls.at(-1)!.messages.filter((m) => m.role === 'tool');
    expect(toolResults.map((m) => m.content)).toEqual([expect.stringMatching(/not allowed to use the tool "wipe_disk".*default-deny/), 'noon']);
    expect(r.status === 'completed' && r.text).toMatch(/model saw/);
    expect(events.find((e) => e.type === 'tool.denied')).toMatchObject({ tool: 'wipe_disk', rule: 'default-deny', tenant: 'acme', principal: 'alice', roles: ['viewer'] });
    // A denied call has no tool.start/end: it never ran.
    expect(events.filter((e) => e.type === 'tool.start')).toHaveLength(1);

    await agent.run({ message: 'wipe it', identity, roles: ['ops'] });
    expect(executed).toBe(1);
    expect(provider.calls.at(-2)!.tools!.map((t) => t.name)).toEqual(['wipe_disk', 'clock']);
    expect(agent.allowedTools({ tenant: 'acme', principal: 'alice' }).map((t) => t.name)).toEqual(['clock']);
    expect(agent.allowedTools({ tenant: 'acme', principal: 'alice', roles: ['ops'] }).map((t) => t.name)).toEqual(['wipe_disk', 'clock']);
  });

  it('names only the tools the caller may use when the model calls one that does not exist', async () => {
    const tool = (name: string) => defineTool({ name, description: name, inputSchema: { type: 'object' }, execute: () => 'ok' });
    const policy = { rules: [{ id: 'all', effect: 'allow' as const, tools: ['*'] }, { id: 'no-wipe-for-alice', effect: 'deny' as const, tools: ['wipe_*'], principals: ['alice'] }] };
    const provider = mock({ respond: (req) => (req.messages.at(-1)!.role === 'tool' ? `model saw: ${req.messages.at(-1)!.content}` : { toolCalls: [{ name: 'nope', args: {} }] }) });
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [tool('wipe_disk'), tool('clock')], policy });
    const r = await agent.run({ message: 'go', identity: { tenant: 'acme', principal: 'alice', conversationId: 'c' } });
    expect(r.status === 'completed' && r.text).toBe('model saw: Error: unknown tool "nope". Available tools: clock.');
    const bob = await agent.run({ message: 'go', identity: { tenant: 'acme', principal: 'bob', conversationId: 'c' } });
    expect(bob.status === 'completed' && bob.text).toBe('model saw: Error: unknown tool "nope". Available tools: wipe_disk, clock.');
  });
});
