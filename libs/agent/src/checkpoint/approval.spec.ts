import { describe, expect, it } from '@jest/globals';
import { mock, type LLMRequest } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { Agent } from '../agent.js';
import { isPaused, type PausedResult, type RunResult } from '../run/agent.types.js';
import type { AgentEvent } from '../events/agent-event.js';
import { InMemoryCheckpointLedger } from './checkpoint-ledger.js';
import type { ToolPolicy } from '../policy/tool-policy.js';
import { defineTool } from '../tools/tool.js';

const SECRET = 'approval-spec-secret-0123456789abcdef01';
const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };
const bob = { tenant: 'acme', principal: 'bob', roles: ['finance'] };

/** A model that asks for refunds of the amounts in the message, then reports what the tools said. */
const refundModel = () =>
  mock({
    respond: (req: LLMRequest) => {
      const last = req.messages.at(-1)!;
      if (last.role === 'tool') {
        const results = req.messages.filter((m) => m.role === 'tool').map((m) => m.content);
        return `done: ${results.join(' | ')}`;
      }
      const amounts = [...last.content.matchAll(/\d+/g)].map((m) => Number(m[0]));
      return { toolCalls: amounts.map((amount) => ({ name: 'refund', args: { amount, order: `o-${amount}` } })) };
    },
  });

type Refund = { amount: number; order: string };

function setup(opts: { needsApproval?: boolean | ((args: Refund) => boolean); policy?: ToolPolicy } = {}) {
  const executed: Refund[] = [];
  const refund = defineTool<Refund>({
    name: 'refund',
    description: 'Refund an order',
    inputSchema: { type: 'object', properties: { amount: { type: 'number' }, order: { type: 'string' } }, required: ['amount', 'order'] },
    needsApproval: opts.needsApproval ?? true,
    execute: (args) => {
      executed.push(args);
      return `refunded ${args.amount}`;
    },
  });
  let now = Date.parse('2026-11-26T12:00:00Z');
  const events: AgentEvent[] = [];
  const ledger = new InMemoryCheckpointLedger(() => now);
  const agent = Agent.create({ name: 'support', provider: refundModel(), model: 'm', tools: [refund], memory: new InMemoryStore(), checkpointSecret: SECRET, checkpointLedger: ledger, approvalTtlMs: 60_000, now: () => now, policy: opts.policy });
  agent.attach({ onEvent: (e) => events.push(e) });
  return { agent, executed, events, advance: (ms: number) => (now += ms) };
}

const paused = (r: RunResult): PausedResult => {
  if (!isPaused(r)) throw new Error(`expected a pause, got ${r.status}`);
  return r;
};

describe('tool approvals', () => {
  it('pauses before the tool runs, shows the exact call, and runs exactly it once approved by someone else', async () => {
    const { agent, executed, events } = setup();
    const waiting = paused(await agent.run({ message: 'refund 250', identity: alice }));
    expect(executed).toEqual([]);
    expect(waiting.pauseData).toEqual({
      kind: 'approval',
      approvalId: expect.any(String),
      toolCallId: expect.any(String),
      tool: 'refund',
      args: { amount: 250, order: 'o-250' },
      argsHash: expect.any(String),
      requestedBy: { tenant: 'acme', principal: 'alice' },
      approverRoles: [],
      expiresAt: '2026-11-26T12:01:00.000Z',
    });
    expect(events.filter((e) => e.type === 'tool.start')).toEqual([]);
    const done = await agent.decide(waiting.checkpoint, { decision: 'approve' }, { approver: bob });
    expect(done).toMatchObject({ status: 'completed', text: 'done: refunded 250' });
    expect(executed).toEqual([{ amount: 250, order: 'o-250' }]);
    const decided = events.find((e) => e.type === 'approval.decided');
    expect(decided).toMatchObject({ decision: 'approve', approver: { tenant: 'acme', principal: 'bob' }, expired: false, tool: 'refund' });
    expect(events.find((e) => e.type === 'approval.requested')).toMatchObject({ approvalId: (waiting.pauseData as { approvalId: string }).approvalId, requestedBy: { principal: 'alice' } });
    // One decision wins.
    await expect(agent.decide(waiting.checkpoint, { decision: 'deny' }, { approver: bob })).rejects.toMatchObject({ code: 'checkpoint_used' });
  });

  it('denies: the model gets "denied by <approver>: <reason>" and the tool never runs', async () => {
    const { agent, executed } = setup();
    const waiting = paused(await agent.run({ message: 'refund 999', identity: alice }));
    const done = await agent.decide(waiting.checkpoint, { decision: 'deny', reason: 'too much' }, { approver: bob });
    expect(done).toMatchObject({ status: 'completed', text: 'done: denied by bob: too much' });
    expect(executed).toEqual([]);
  });

  it('keeps separation of duties, tenants and approver roles', async () => {
    const { agent } = setup();
    const waiting = paused(await agent.run({ message: 'refund 50', identity: alice }));
    await expect(agent.decide(waiting.checkpoint, { decision: 'approve' }, { approver: { tenant: 'acme', principal: 'alice' } })).rejects.toMatchObject({ code: 'approval_forbidden' });
    await expect(agent.decide(waiting.checkpoint, { decision: 'approve' }, { approver: { tenant: 'globex', principal: 'bob' } })).rejects.toMatchObject({ code: 'checkpoint_identity_mismatch' });
    // resume() is for answers, decide() for approvals.
    await expect(agent.resume(waiting.checkpoint, 'yes')).rejects.toMatchObject({ code: 'checkpoint_invalid' });

    const policy: ToolPolicy = { rules: [{ id: 'refunds-need-finance', effect: 'approve', tools: ['refund'], approverRoles: ['finance'] }] };
    const guarded = setup({ needsApproval: false, policy });
    const asked = paused(await guarded.agent.run({ message: 'refund 70', identity: alice }));
    expect(asked.pauseData).toMatchObject({ approverRoles: ['finance'] });
    await expect(guarded.agent.decide(asked.checkpoint, { decision: 'approve' }, { approver: { tenant: 'acme', principal: 'carol', roles: ['support'] } })).rejects.toMatchObject({ code: 'approval_forbidden' });
    expect(await guarded.agent.decide(asked.checkpoint, { decision: 'approve' }, { approver: bob })).toMatchObject({ status: 'completed' });

    const self = setup({ needsApproval: false, policy: { rules: [{ effect: 'approve', tools: ['refund'], approverRoles: ['finance'], selfApproval: true }] } });
    const own = paused(await self.agent.run({ message: 'refund 5', identity: alice, roles: ['finance'] }));
    expect(await self.agent.decide(own.checkpoint, { decision: 'approve' }, { approver: { tenant: 'acme', principal: 'alice', roles: ['finance'] } })).toMatchObject({ status: 'completed' });
  });

  it('asks only when the tool says so for these arguments (refunds over 100)', async () => {
    const { agent, executed } = setup({ needsApproval: (args) => args.amount > 100 });
    expect(await agent.run({ message: 'refund 30', identity: alice })).toMatchObject({ status: 'completed', text: 'done: refunded 30' });
    expect(paused(await agent.run({ message: 'refund 300', identity: alice })).pauseData).toMatchObject({ args: { amount: 300 } });
    expect(executed).toEqual([{ amount: 30, order: 'o-30' }]);
  });

  it('gives several calls in one turn one approval each, decided one after the other', async () => {
    const { agent, executed } = setup();
    const first = paused(await agent.run({ message: 'refund 10 and 20', identity: alice }));
    expect(first.pauseData).toMatchObject({ args: { amount: 10 } });
    const second = paused(await agent.decide(first.checkpoint, { decision: 'approve' }, { approver: bob }));
    expect(second.pauseData).toMatchObject({ args: { amount: 20 } });
    expect((second.pauseData as { approvalId: string }).approvalId).not.toBe((first.pauseData as { approvalId: string }).approvalId);
    const done = await agent.decide(second.checkpoint, { decision: 'deny', reason: 'duplicate' }, { approver: bob });
    expect(done).toMatchObject({ status: 'completed', text: 'done: refunded 10 | denied by bob: duplicate' });
    expect(executed).toEqual([{ amount: 10, order: 'o-10' }]);
  });

  it('treats a decision after the approval expired as a denial', async () => {
    const { agent, executed, events, advance } = setup();
    const waiting = paused(await agent.run({ message: 'refund 40', identity: alice }));
    advance(60_000);
    const done = await agent.decide(waiting.checkpoint, { decision: 'approve' }, { approver: bob });
    expect(done).toMatchObject({ status: 'completed', text: 'done: denied by bob: the approval expired' });
    expect(executed).toEqual([]);
    expect(events.find((e) => e.type === 'approval.decided')).toMatchObject({ decision: 'deny', expired: true });
  });

  it('settles an approval nobody decided as denied once it expired, and not before', async () => {
    const { agent, executed, events, advance } = setup();
    const waiting = paused(await agent.run({ message: 'refund 40', identity: alice }));
    await expect(agent.expire(waiting.checkpoint)).rejects.toThrow('the approval has not expired yet');
    advance(60_000);
    const done = await agent.expire(waiting.checkpoint);
    expect(done).toMatchObject({ status: 'completed', text: 'done: denied: the approval expired' });
    expect(executed).toEqual([]);
    const decided = events.find((e) => e.type === 'approval.decided');
    expect(decided).toMatchObject({ decision: 'deny', expired: true });
    expect(decided).not.toHaveProperty('approver');
    // Single use, like any decision.
    await expect(agent.expire(waiting.checkpoint)).rejects.toMatchObject({ code: 'checkpoint_used' });
  });
});
