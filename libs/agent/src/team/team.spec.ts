import { describe, expect, it } from '@jest/globals';
import { mock, type LLMRequest, type MockAnswer } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { Agent } from '../agent.js';
import { isPaused, type AgentOptions, type RunResult } from '../run/agent.types.js';
import { AgentConfigError, ApprovalForbiddenError, CheckpointUsedError } from '../errors/agent.errors.js';
import { InMemoryCheckpointLedger } from '../checkpoint/checkpoint-ledger.js';
import { signCheckpoint, verifyCheckpoint, type Checkpoint, type CheckpointBody } from '../checkpoint/checkpoint.js';
import { InMemoryCostLedger } from '../cost/in-memory-cost-ledger.js';
import type { AgentEvent } from '../events/agent-event.js';
import { NarrativeRecorder } from '../events/narrative.recorder.js';
import { askHuman } from '../tools/ask-human.js';
import { defineTool, type ToolContext } from '../tools/tool.js';
import { agentTool } from './team-tool.js';
import { checkTeam, subConversationIds } from './team-graph.js';

const SECRET = 'team-spec-secret-that-is-long-enough-0123';
const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };

const completed = (r: RunResult) => {
  if (r.status !== 'completed') throw new Error(`expected completed, got ${r.status}`);
  return r;
};
const lastText = (req: LLMRequest) => req.messages.at(-1)?.content ?? '';
const offered = (req: LLMRequest) => (req.tools ?? []).map((t) => t.name);

/** A model that calls `tool` with `args` on the user's turn, and reports the tool's result after. */
const caller = (tool: string, args: Record<string, unknown>): ((req: LLMRequest) => MockAnswer) => (req) =>
  req.messages.at(-1)?.role === 'tool' ? `${tool} said: ${lastText(req)}` : { toolCalls: [{ name: tool, args }] };

/** A registry of agents by name, as AgentService keeps one. */
function team(build: (agents: (name: string) => Agent | undefined) => Agent[]): Map<string, Agent> {
  const registry = new Map<string, Agent>();
  for (const agent of build((name) => registry.get(name))) registry.set(agent.name, agent);
  return registry;
}

describe('agents as tools', () => {
  it('runs the sub-agent as the same caller in its own conversation, and rolls its usage and cost into the caller', async () => {
    const memory = new InMemoryStore();
    const seen: ToolContext[] = [];
    const invoice = defineTool({ name: 'invoice', description: 'look up an invoice', inputSchema: { type: 'object' }, execute: (_a, ctx) => (seen.push(ctx), 'invoice 42: $30, paid') });
    const billingModel = mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? `Invoice says: ${lastText(req)}` : { toolCalls: [{ name: 'invoice', args: {} }] }), usage: { inputTokens: 100, outputTokens: 10 } });
    const billing = Agent.create({ name: 'billing', provider: billingModel, model: 'small', system: 'You do billing.', tools: [invoice], memory });
    const frontModel = mock({ respond: caller('billing', { message: 'what about invoice 42?' }), usage: { inputTokens: 1000, outputTokens: 50 } });
    const pricingTable = { big: { input: 3, output: 15 }, small: { input: 1, output: 5 } };
    const ledger = new InMemoryCostLedger();
    const front = Agent.create({ name: 'front', provider: frontModel, model: 'big', tools: [agentTool(billing, { description: 'Billing questions' })], memory, pricingTable, ledger });
    const events: AgentEvent[] = [];
    const narrative = new NarrativeRecorder();
    const r = completed(await front.run({ message: 'invoice 42?', identity: alice, recorders: [{ onEvent: (e) => events.push(e) }, narrative] }));

    expect(r.text).toBe('billing said: Invoice says: invoice 42: $30, paid');
    expect(r.answeredBy).toBe('front');
    // The sub-agent got only its message, its own system prompt and its own tools.
    expect(billingModel.calls[0].messages).toEqual([{ role: 'user', content: 'what about invoice 42?' }]);
    expect(billingModel.calls[0].system).toBe('You do billing.');
    expect(offered(billingModel.calls[0])).toEqual(['invoice']);
    // Same tenant and principal, its own conversation under the caller's.
    expect(seen[0].identity).toEqual({ ...alice, conversationId: 'c1::billing' });
    expect(await memory.load({ ...alice, conversationId: 'c1::billing' })).toHaveLength(4);
    expect((await memory.load(alice)).map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    // Usage and cost of both levels (billing priced from its own model, its calls in the tenant ledger under its name).
    expect(r.usage).toEqual({ inputTokens: 2200, outputTokens: 120, totalTokens: 2320 });
    expect(r.costUsd).toBeCloseTo((2000 * 3 + 100 * 15 + 200 * 1 + 20 * 5) / 1e6, 12);
    const day = new Date().toISOString().slice(0, 10);
    const rows = await ledger.usage('acme', { from: day, to: day });
    expect(rows.map((row) => [row.agent, row.model, row.calls]).sort()).toEqual([['billing', 'small', 2], ['front', 'big', 2]]);
    // The sub-run's events name their parent run and depth; the narrative indents them.
    const sub = events.filter((e) => e.agent === 'billing');
    expect(new Set(sub.map((e) => e.parentRunId))).toEqual(new Set([r.runId]));
    expect(sub.every((e) => e.depth === 1 && e.runId !== r.runId)).toBe(true);
    expect(narrative.lines).toContain('  [billing] Asked: "what about invoice 42?"');
    expect(narrative.lines.some((l) => l.startsWith('  [billing] Tool invoice returned "invoice 42: $30, paid"'))).toBe(true);
  });

  it("applies the sub-agent's own tool policy to the caller's roles", async () => {
    const refund = defineTool({ name: 'refund', description: 'refund', inputSchema: { type: 'object' }, execute: () => 'refunded' });
    const billing = Agent.create({
      name: 'billing',
      provider: mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? lastText(req) : { toolCalls: [{ name: 'refund', args: {} }] }) }),
      model: 'm',
      tools: [refund],
      policy: { rules: [{ id: 'finance-refunds', tools: ['refund'], effect: 'allow', roles: ['finance'] }], defaultDeny: true },
    });
    const front = Agent.create({ name: 'front', provider: mock({ respond: caller('billing', { message: 'refund it' }) }), model: 'm', tools: [agentTool(billing, { description: 'billing' })] });
    expect(completed(await front.run({ message: 'go', identity: alice, roles: ['finance'] })).text).toBe('billing said: refunded');
    const denied: AgentEvent[] = [];
    const r = completed(await front.run({ message: 'go', identity: alice, roles: ['support'], recorders: [{ onEvent: (e) => e.type === 'tool.denied' && denied.push(e) }] }));
    expect(r.text).toMatch(/^billing said: Error: you are not allowed to use the tool "refund"/);
    expect(denied).toEqual([expect.objectContaining({ agent: 'billing', tool: 'refund', tenant: 'acme', principal: 'alice', roles: ['support'] })]);
  });

  it("lets a sub-run spend what is left of the caller's budget, and then stops the caller", async () => {
    const pricingTable = { m: { input: 10, output: 10 } };
    const spender = Agent.create({ name: 'spender', provider: mock({ reply: { toolCalls: [{ name: 'noop', args: {} }] }, usage: { inputTokens: 100_000, outputTokens: 0 } }), model: 'm', tools: [defineTool({ name: 'noop', description: 'x', inputSchema: { type: 'object' }, execute: () => 'ok' })], pricingTable });
    const front = Agent.create({ name: 'front', provider: mock({ respond: caller('spender', { message: 'spend' }), usage: { inputTokens: 1000, outputTokens: 0 } }), model: 'm', tools: [agentTool(spender, { description: 'spends' })], pricingTable, costBudget: { usd: 0.5 } });
    const events: AgentEvent[] = [];
    const r = await front.run({ message: 'go', identity: alice, recorders: [{ onEvent: (e) => e.type === 'budget.exceeded' && events.push(e) }] });
    expect(r.status).toBe('budget_exceeded');
    // 0.01 by the front's call, then the sub-run's first call (1.00) goes past what was left (0.49): both stop.
    expect(r.costUsd).toBeCloseTo(1.01, 9);
    expect(events.map((e) => [e.agent, e.type === 'budget.exceeded' && e.limitUsd])).toEqual([
      ['spender', 0.49],
      ['front', 0.5],
    ]);
  });

  it('bounds nesting: too deep at build time for objects, and at run time (with cycles) for names', () => {
    const leaf = Agent.create({ name: 'd', provider: mock({ reply: 'x' }), model: 'm' });
    const c = Agent.create({ name: 'c', provider: mock({ reply: 'x' }), model: 'm', tools: [agentTool(leaf, { description: 'd' })] });
    const b = Agent.create({ name: 'b', provider: mock({ reply: 'x' }), model: 'm', tools: [agentTool(c, { description: 'c' })] });
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', tools: [agentTool(b, { description: 'b' })], maxAgentDepth: 2 })).toThrow(AgentConfigError);
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', tools: [agentTool(b, { description: 'b' })] })).not.toThrow();
  });

  it('refuses a cycle of agents named as tools at run time, and checkTeam refuses it before', async () => {
    const agents = team((lookup) => [
      Agent.create({ name: 'a', provider: mock({ respond: caller('b', { message: 'ask b' }) }), model: 'm', tools: [agentTool('b', { description: 'b' })], agents: lookup }),
      Agent.create({ name: 'b', provider: mock({ respond: caller('a', { message: 'ask a' }) }), model: 'm', tools: [agentTool('a', { description: 'a' })], agents: lookup }),
    ]);
    const r = completed(await agents.get('a')!.run({ message: 'go', identity: alice }));
    expect(r.text).toBe('b said: a said: Error (agent_cycle): a is already working on this request (a → b → a); answer without it.');
    expect(() => checkTeam(agents.values())).toThrow('agents call each other as tools in a cycle: a → b → a');
  });

  it('refuses a sub-run past maxAgentDepth at run time, and checkTeam refuses unknown names and depth', async () => {
    const agents = team((lookup) => ['a', 'b', 'c'].map((name, i, all) =>
      Agent.create({ name, provider: mock({ respond: all[i + 1] ? caller(all[i + 1], { message: 'down' }) : () => 'bottom' }), model: 'm', ...(all[i + 1] ? { tools: [agentTool(all[i + 1], { description: 'next' })] } : {}), agents: lookup, maxAgentDepth: 1 }),
    ));
    expect(completed(await agents.get('a')!.run({ message: 'go', identity: alice })).text).toBe('b said: c said: Error (agent_depth): agents may call agents at most 1 levels deep; answer without c.');
    expect(() => checkTeam(agents.values())).toThrow('agent "a": agents called as tools nest 2 deep below it, more than maxAgentDepth 1');
    const lonely = Agent.create({ name: 'x', provider: mock({ reply: 'x' }), model: 'm', tools: [agentTool('ghost', { description: 'g' })], agents: () => undefined });
    expect(() => checkTeam([lonely])).toThrow('agent "x" calls agent "ghost", which is not registered');
    expect(subConversationIds(agents.values(), 'c9').sort()).toEqual(['c9::b', 'c9::b::c', 'c9::c']);
  });
});

describe('a pause inside a sub-agent', () => {
  // Two copies of the same agents, as two instances of a service build them, sharing one checkpoint ledger.
  function instance(ledger: InMemoryCheckpointLedger, memory: InMemoryStore) {
    const refund = defineTool({ name: 'refund', description: 'refund', inputSchema: { type: 'object', properties: { amount: { type: 'number' } } }, needsApproval: true, execute: ({ amount }) => `refunded $${amount}` });
    const common: Pick<AgentOptions, 'checkpointSecret' | 'checkpointLedger' | 'memory' | 'model'> = { checkpointSecret: SECRET, checkpointLedger: ledger, memory, model: 'm' };
    const helper = Agent.create({
      name: 'helper',
      ...common,
      provider: mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? `helper heard: ${lastText(req)}` : lastText(req).includes('refund') ? { toolCalls: [{ name: 'refund', args: { amount: 25 } }] } : { toolCalls: [{ name: 'askHuman', args: { question: 'Which one?' } }] }) }),
      tools: [askHuman, refund],
    });
    const top = Agent.create({ name: 'top', ...common, provider: mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? `top relays: ${lastText(req)}` : { toolCalls: [{ name: 'helper', args: { message: lastText(req) } }] }) }), tools: [agentTool(helper, { description: 'helps' })] });
    return { top, helper };
  }

  it('pauses the whole run with one checkpoint that another instance resumes exactly where it stopped, once', async () => {
    const ledger = new InMemoryCheckpointLedger();
    const memory = new InMemoryStore();
    const first = instance(ledger, memory);
    const paused = await first.top.run({ message: 'ask me', identity: alice });
    if (!isPaused(paused)) throw new Error('expected a pause');
    expect(paused.pauseData).toEqual({ kind: 'question', question: 'Which one?' });
    expect(paused.checkpoint.body.agent).toBe('top');
    expect(paused.checkpoint.body.pending).toMatchObject({ tool: 'helper', sub: { agent: 'helper', pending: { tool: 'askHuman' } } });

    const second = instance(ledger, memory);
    const events: AgentEvent[] = [];
    const r = completed(await second.top.resume(paused.checkpoint, 'the blue one', { identity: alice, recorders: [{ onEvent: (e) => events.push(e) }] }));
    expect(r.text).toBe('top relays: helper heard: the blue one');
    expect(r.iterations).toBe(2);
    expect(events.filter((e) => e.type === 'resume').map((e) => e.agent)).toEqual(['top', 'helper']);
    expect(await memory.load({ ...alice, conversationId: 'c1::helper' })).toHaveLength(4);
    await expect(second.top.resume(paused.checkpoint, 'again', { identity: alice })).rejects.toThrow(CheckpointUsedError);
  });

  it('resumes a checkpoint signed before the AI SDK names (usage as { input, output } at every level) like a current one', async () => {
    const memory = new InMemoryStore();
    const paused = await instance(new InMemoryCheckpointLedger(), memory).top.run({ message: 'ask me', identity: alice });
    if (!isPaused(paused)) throw new Error('expected a pause');
    // What the previous release signed: the same body, with usage in its old names.
    const old = (body: CheckpointBody): CheckpointBody => ({ ...body, usage: { input: body.usage.inputTokens, output: body.usage.outputTokens } as never, pending: { ...body.pending, ...(body.pending.sub ? { sub: old(body.pending.sub) } : {}) } });
    const before: Checkpoint = signCheckpoint(old(paused.checkpoint.body), SECRET);
    const sent = JSON.stringify(before);
    const read = verifyCheckpoint(before, SECRET);
    expect([read.usage, read.pending.sub!.usage]).toEqual([paused.checkpoint.body.usage, paused.checkpoint.body.pending.sub!.usage]);
    // Reading it leaves the signed body as it was: the same object verifies again (a retried resume).
    expect(JSON.stringify(before)).toBe(sent);
    const [current, upgraded] = await Promise.all([paused.checkpoint, before].map(async (checkpoint) => completed(await instance(new InMemoryCheckpointLedger(), new InMemoryStore()).top.resume(checkpoint, 'the blue one', { identity: alice }))));
    expect(upgraded.text).toBe('top relays: helper heard: the blue one');
    expect(upgraded.usage).toEqual(current.usage);
    expect(upgraded.usage.totalTokens).toBe(upgraded.usage.inputTokens + upgraded.usage.outputTokens);
  });

  it.each([
    ['missing usage and a negative cost', { usage: undefined, costUsd: -1e9 }],
    ['usage as a string and a non-finite cost', { usage: 'lots', costUsd: Number.POSITIVE_INFINITY }],
    ['counts as strings and objects', { usage: { inputTokens: '5', outputTokens: { n: 1 }, totalTokens: 3 } }],
  ])('resumes a signed checkpoint with %s as zero, never NaN or negative', async (_, broken) => {
    const paused = await instance(new InMemoryCheckpointLedger(), new InMemoryStore()).top.run({ message: 'ask me', identity: alice });
    if (!isPaused(paused)) throw new Error('expected a pause');
    // Authentic (signed with the secret) but malformed, as a buggy writer could leave it.
    const bad = signCheckpoint({ ...paused.checkpoint.body, ...broken } as never, SECRET);
    const r = completed(await instance(new InMemoryCheckpointLedger(), new InMemoryStore()).top.resume(bad, 'the blue one', { identity: alice }));
    for (const n of [r.usage.inputTokens, r.usage.outputTokens, r.usage.totalTokens, r.costUsd]) expect(Number.isFinite(n) && n >= 0).toBe(true);
    expect(r.usage.totalTokens).toBe(r.usage.inputTokens + r.usage.outputTokens);
  });

  it('shows a sub-agent approval at the top; an approver decides it through the top agent', async () => {
    const ledger = new InMemoryCheckpointLedger();
    const { top } = instance(ledger, new InMemoryStore());
    const paused = await top.run({ message: 'refund please', identity: alice });
    if (!isPaused(paused)) throw new Error('expected a pause');
    expect(paused.pauseData).toMatchObject({ kind: 'approval', tool: 'refund', args: { amount: 25 }, requestedBy: { tenant: 'acme', principal: 'alice' } });
    expect(paused.checkpoint.body.pending.approval?.id).toBe((paused.pauseData as { approvalId: string }).approvalId);
    await expect(top.resume(paused.checkpoint, 'yes', { identity: alice })).rejects.toThrow('this run waits for an approval');
    await expect(top.decide(paused.checkpoint, { decision: 'approve' }, { approver: { tenant: 'acme', principal: 'alice' } })).rejects.toThrow(ApprovalForbiddenError);
    const r = completed(await top.decide(paused.checkpoint, { decision: 'approve' }, { approver: { tenant: 'acme', principal: 'bob' } }));
    expect(r.text).toBe('top relays: helper heard: refunded $25');
  });
});

describe('handoffs', () => {
  function desk(memory = new InMemoryStore()) {
    const invoice = defineTool({ name: 'invoice', description: 'look up an invoice', inputSchema: { type: 'object' }, execute: () => 'invoice 42: $30' });
    const triageModel = mock({
      respond: (req) => {
        if (req.messages.at(-1)?.role === 'tool') return `triage answers: ${lastText(req)}`;
        return offered(req).includes('transfer_to_billing') && /invoice/.test(lastText(req)) ? { toolCalls: [{ name: 'transfer_to_billing', args: { reason: 'an invoice question' } }] } : 'triage answers it';
      },
    });
    const billingModel = mock({
      respond: (req) => {
        const last = req.messages.at(-1)!;
        if (last.role === 'tool') return `billing: ${last.content}`;
        if (/ask me/.test(last.content)) return { toolCalls: [{ name: 'askHuman', args: { question: 'Which invoice?' } }] };
        return /invoice/.test(last.content) ? { toolCalls: [{ name: 'invoice', args: {} }] } : { toolCalls: [{ name: 'transfer_to_triage', args: { reason: 'not about billing' } }] };
      },
    });
    const agents = team((lookup) => [
      Agent.create({ name: 'triage', provider: triageModel, model: 'm', system: 'Route.', handoffs: ['billing'], agents: lookup, memory, checkpointSecret: SECRET }),
      Agent.create({ name: 'billing', description: 'invoices and payments', provider: billingModel, model: 'm', system: 'You do billing.', tools: [invoice, askHuman], handoffs: ['triage'], agents: lookup, memory, checkpointSecret: SECRET }),
    ]);
    return { triage: agents.get('triage')!, billing: agents.get('billing')!, triageModel, billingModel, memory };
  }

  it('transfers the conversation: the receiver answers with its own prompt and tools, and holds later turns', async () => {
    const { triage, triageModel, billingModel, memory } = desk();
    const narrative = new NarrativeRecorder();
    const r = completed(await triage.run({ message: 'about invoice 42', identity: alice, recorders: [narrative] }));
    expect(r).toMatchObject({ answeredBy: 'billing', text: 'billing: invoice 42: $30' });
    expect(offered(triageModel.calls[0])).toEqual(['transfer_to_billing']);
    const first = billingModel.calls[0];
    expect(first.system).toContain('You do billing.');
    expect(first.system).toContain('The triage agent handed this conversation to you. Its reason: an invoice question');
    expect(offered(first)).toEqual(['invoice', 'askHuman', 'transfer_to_triage']);
    // It sees the user's message, not triage's transfer call (a tool it does not have).
    expect(first.messages).toEqual([{ role: 'user', content: 'about invoice 42' }]);
    expect(narrative.lines).toContain('Handed off from triage to billing: "an invoice question"');
    expect(narrative.lines.some((l) => l.startsWith('[billing] Tool invoice returned'))).toBe(true);
    expect((await memory.load(alice)).filter((m) => m.role === 'assistant').map((m) => m.agent)).toEqual(['triage', 'billing', 'billing']);

    // The next turn goes straight to billing, which holds the conversation; triage's model is not asked.
    const next = completed(await triage.run({ message: 'and invoice 43?', identity: alice }));
    expect(next.answeredBy).toBe('billing');
    expect(triageModel.calls).toHaveLength(1);
    // Triage's transfer call in the history reaches billing as text, not as a call to a tool it lacks.
    const history = billingModel.calls[2].messages;
    expect(history.every((m) => m.role !== 'assistant' || !(m.toolCalls ?? []).some((c) => c.name === 'transfer_to_billing'))).toBe(true);
    expect(history[1]).toMatchObject({ role: 'assistant', content: expect.stringContaining('[transfer_to_billing({"reason":"an invoice question"}) → Transferred to billing.]') });
  });

  it('hands back, and never gives the conversation twice to the same agent in one run', async () => {
    const { triage, triageModel, memory } = desk();
    await triage.run({ message: 'about invoice 42', identity: alice });
    // Billing holds it; a message that is not about billing goes back to triage, which may not send it to billing again in this run.
    const back = completed(await triage.run({ message: 'what is the weather', identity: alice }));
    expect(back.answeredBy).toBe('triage');
    expect(back.text).toBe('triage answers it');
    expect(offered(triageModel.calls[1])).toEqual(['transfer_to_billing']);
    const held = (await memory.load(alice)).filter((m) => m.role === 'assistant').at(-1);
    expect(held?.agent).toBe('triage');
  });

  it('refuses a transfer called beside other tools', async () => {
    const noop = defineTool({ name: 'noop', description: 'x', inputSchema: { type: 'object' }, execute: () => 'ok' });
    const agents = team((lookup) => [
      Agent.create({ name: 'one', provider: mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? req.messages.filter((m) => m.role === 'tool').map((m) => m.content).join(' | ') : { toolCalls: [{ name: 'transfer_to_two', args: { reason: 'x' } }, { name: 'noop', args: {} }] }) }), model: 'm', tools: [noop], handoffs: ['two'], agents: lookup }),
      Agent.create({ name: 'two', provider: mock({ reply: 'two' }), model: 'm', agents: lookup }),
    ]);
    const r = completed(await agents.get('one')!.run({ message: 'go', identity: alice }));
    expect(r.answeredBy).toBe('one');
    expect(r.text).toBe('Error (handoff_alone): a transfer must be the only tool call of its turn; call transfer_to_two again on its own. | ok');
  });

  it('pauses in the receiving agent and resumes there through the agent the run started with', async () => {
    const { triage, billingModel } = desk();
    const paused = await triage.run({ message: 'invoice: ask me', identity: alice });
    if (!isPaused(paused)) throw new Error('expected a pause');
    expect(paused.answeredBy).toBe('billing');
    expect(paused.checkpoint.body).toMatchObject({ agent: 'triage', team: { entry: 'triage', active: 'billing', visited: ['triage', 'billing'] } });
    const r = completed(await triage.resume(paused.checkpoint, 'number 42', { identity: alice }));
    expect(r).toMatchObject({ answeredBy: 'billing', text: 'billing: number 42' });
    // After the resume billing still sees its own view of the turn, with the handoff note.
    expect(billingModel.calls.at(-1)!.system).toContain('The triage agent handed this conversation to you.');
    expect(billingModel.calls.at(-1)!.messages[0]).toEqual({ role: 'user', content: 'invoice: ask me' });
  });

  it('refuses a handoff to itself or by name without a lookup when built', () => {
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', handoffs: ['a'], agents: () => undefined })).toThrow('cannot hand off to itself');
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', handoffs: ['b'] })).toThrow('needs an agents lookup');
    const lonely = Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', handoffs: ['b'], agents: () => undefined });
    expect(() => checkTeam([lonely])).toThrow('agent "a" hands off to "b", which is not registered');
  });
});
