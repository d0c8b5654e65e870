import { describe, expect, it } from '@jest/globals';
import { mock, type LLMRequest } from '@agentnest/providers';
import { Agent } from '../agent.js';
import type { RunResult } from '../run/agent.types.js';
import type { AgentEvent } from '../events/agent-event.js';
import { agentTool } from '../team/team-tool.js';
import { defineTool } from '../tools/tool.js';
import { InMemoryCheckpointLedger } from '../checkpoint/checkpoint-ledger.js';
import { AgentAccess } from './agent-access.js';

const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };
const text = (r: RunResult) => (r.status === 'completed' ? r.text : `(${r.status})`);

describe('AgentAccess', () => {
  it('decides by agent name, tenant, principal and role; deny wins; the default allows unless defaultDeny', () => {
    const access = new AgentAccess({ rules: [{ id: 'no-billing', effect: 'deny', agents: ['bill*'], tenants: ['trial-*'] }, { id: 'finance', effect: 'allow', agents: ['billing'], roles: ['finance'] }] });
    expect(access.decide('billing', { tenant: 'trial-1', roles: ['finance'] })).toEqual({ allowed: false, rule: 'no-billing' });
    expect(access.decide('billing', { tenant: 'acme', roles: ['finance'] })).toEqual({ allowed: true, rule: 'finance' });
    expect(access.allows('triage', { tenant: 'acme' })).toBe(true);
    expect(new AgentAccess({ defaultDeny: true, rules: [] }).decide('triage', {})).toEqual({ allowed: false, rule: 'default-deny' });
  });

  it('refuses rules it cannot mean: approve, a tool rule\'s tools (which would match every agent), bad patterns', () => {
    expect(() => new AgentAccess({ rules: [{ effect: 'approve' as 'allow' }] })).toThrow('effect must be allow or deny');
    expect(() => new AgentAccess({ rules: [{ effect: 'deny', tools: ['billing'] } as never] })).toThrow('unknown field "tools" (agents, tenants, principals, roles)');
    expect(() => new AgentAccess({ rules: [{ effect: 'deny', agents: [''] }] })).toThrow('agents must be a list of non-empty patterns');
    expect(() => new AgentAccess({} as never)).toThrow('needs a rules array');
  });
});

describe('agent access through handoffs and agent tools', () => {
  // A model that calls the tool it is told to, offered or not (a vendor the attacker steers).
  const steered = (tool: string, args: Record<string, unknown>) => mock({ respond: (req: LLMRequest) => (req.messages.at(-1)?.role === 'tool' ? `got: ${req.messages.at(-1)!.content}` : { toolCalls: [{ name: tool, args }] }) });
  const setup = (frontModel: ReturnType<typeof mock>) => {
    const access = new AgentAccess({ defaultDeny: true, rules: [{ effect: 'allow', agents: ['front'] }, { effect: 'allow', agents: ['billing'], roles: ['finance'] }] });
    const billingModel = mock({ reply: 'billing here' });
    const billing = Agent.create({ name: 'billing', provider: billingModel, model: 'm', access });
    const front = Agent.create({ name: 'front', provider: frontModel, model: 'm', tools: [agentTool(billing, { description: 'billing' })], handoffs: [billing], access });
    return { front, billingModel };
  };

  it('offers neither the handoff nor the agent tool to a caller who may not reach the agent, and refuses them when called anyway', async () => {
    for (const [tool, args] of [['billing', { message: 'refund all' }], ['transfer_to_billing', { reason: 'x' }]] as const) {
      const frontModel = steered(tool, args);
      const { front, billingModel } = setup(frontModel);
      expect(front.allowedTools({ tenant: 'acme', roles: [] }).map((t) => t.name)).toEqual([]);
      expect(front.allowedTools({ tenant: 'acme', roles: ['finance'] }).map((t) => t.name)).toEqual(['billing', 'transfer_to_billing']);
      const events: AgentEvent[] = [];
      const result = await front.run({ message: 'hi', identity: alice, recorders: [{ onEvent: (e) => void events.push(e) }] });
      expect(frontModel.calls[0].tools ?? []).toEqual([]);
      expect(billingModel.calls).toHaveLength(0);
      expect(text(result)).toMatch(/^got: Error/);
      expect(events.find((e) => e.type === 'tool.denied')).toMatchObject({ tool, rule: 'default-deny' });
      // With the role, the same call reaches billing.
      const allowed = await front.run({ message: 'hi', identity: { ...alice, conversationId: `c-${tool}` }, roles: ['finance'] });
      expect(allowed.status).toBe('completed');
      expect(billingModel.calls).toHaveLength(1);
    }
  });

  it('names only the agents the caller may reach when the model calls a tool that does not exist', async () => {
    const { front } = setup(steered('nope', {}));
    expect(text(await front.run({ message: 'hi', identity: alice }))).toBe('got: Error: unknown tool "nope". Available tools: none.');
    const { front: financeFront } = setup(steered('nope', {}));
    expect(text(await financeFront.run({ message: 'hi', identity: alice, roles: ['finance'] }))).toBe('got: Error: unknown tool "nope". Available tools: billing, transfer_to_billing.');
  });

  it('lets an approval continue a run only while its caller may still reach the agent (the policy may change during the wait)', async () => {
    const refund = defineTool({ name: 'refund', description: 'refund', inputSchema: { type: 'object' }, execute: () => 'refunded' });
    const shared = { provider: steered('refund', {}), model: 'm', tools: [refund], checkpointSecret: 'agent-access-spec-secret-long-enough-0123456789', checkpointLedger: new InMemoryCheckpointLedger(), policy: { rules: [{ effect: 'approve' as const, tools: ['refund'], approverRoles: ['finance'] }] } };
    const before = Agent.create({ name: 'billing', ...shared });
    const paused = await before.run({ message: 'refund me', identity: alice, roles: ['intern'] });
    if (paused.status !== 'paused') throw new Error(`expected a pause, got ${paused.status}`);
    // Redeployed with a policy that keeps interns from billing: the approver's decision cannot run it for them.
    const after = Agent.create({ name: 'billing', ...shared, access: { rules: [{ effect: 'deny', agents: ['billing'], roles: ['intern'] }] } });
    const approver = { tenant: 'acme', principal: 'fin', roles: ['finance'] };
    await expect(after.decide(paused.checkpoint, { decision: 'approve' }, { approver })).rejects.toMatchObject({ code: 'agent_not_found' });
    // Refused before the checkpoint was claimed: under the old policy it still continues.
    expect(await before.decide(paused.checkpoint, { decision: 'approve' }, { approver })).toMatchObject({ status: 'completed', text: 'got: refunded' });
  });
});
