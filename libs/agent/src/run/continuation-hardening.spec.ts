import { describe, expect, it } from '@jest/globals';
import { mock, type LLMRequest } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { Agent } from '../agent.js';
import { InMemoryCheckpointLedger } from '../checkpoint/checkpoint-ledger.js';
import { continuationUsed } from '../errors/continuation-used.js';
import { defineTool } from '../tools/tool.js';
import { isPaused, type AgentOptions, type PausedResult, type RunResult } from './agent.types.js';

// What the attack on the rebuilt loop found, held: an approved call runs once whatever fails after
// it; seams that never settle cannot hold a cancelled run; a step cannot escape prices or run tools
// it said no to; what prepareStep returns is checked like any input.

const SECRET = 'continuation-spec-secret-0123456789abcdef';
const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };
const bob = { tenant: 'acme', principal: 'bob' };
const paused = (r: RunResult): PausedResult => {
  if (!isPaused(r)) throw new Error(`expected a pause, got ${r.status}`);
  return r;
};

/** An agent whose model asks for a refund that needs approval, then answers; `failAfterTool` fails the call after the refund once. */
function refundAgent(extra: Partial<AgentOptions> = {}, failAfterTool = false) {
  const executed: number[] = [];
  let fail = failAfterTool;
  const provider = mock({
    respond: (req: LLMRequest) => {
      if (req.messages.at(-1)?.role !== 'tool') return { toolCalls: [{ name: 'refund', args: { amount: 25 } }] };
      if (fail) {
        fail = false;
        throw new Error('upstream 500');
      }
      return 'done';
    },
  });
  const refund = defineTool<{ amount: number }>({
    name: 'refund',
    description: 'Refund an amount',
    inputSchema: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
    needsApproval: true,
    execute: ({ amount }) => {
      executed.push(amount);
      return `refunded ${amount}`;
    },
  });
  const agent = Agent.create({ name: 'support', provider, model: 'm', tools: [refund], memory: new InMemoryStore(), checkpointSecret: SECRET, checkpointLedger: new InMemoryCheckpointLedger(), ...extra });
  return { agent, executed };
}

const echo = defineTool<{ text: string }>({ name: 'echo', description: 'Echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }, execute: ({ text }) => text });
const callsEcho = () => mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? 'done' : { toolCalls: [{ name: 'echo', args: { text: 'x' } }] }) });

describe('a continuation that fails after its approved call ran', () => {
  it('keeps the checkpoint used: deciding again does not run the refund twice, and the error says why', async () => {
    const { agent, executed } = refundAgent({}, true);
    const { checkpoint } = paused(await agent.run({ message: 'refund me', identity: alice }));
    const failed = await agent.decide(checkpoint, { decision: 'approve' }, { approver: bob }).catch((e: unknown) => e);
    expect(continuationUsed(failed)).toBe(true);
    await expect(agent.decide(checkpoint, { decision: 'approve' }, { approver: bob })).rejects.toMatchObject({ code: 'checkpoint_used' });
    expect(executed).toEqual([25]);
  });

  it('gives the checkpoint back when the continuation failed before any tool ran', async () => {
    let fail = true;
    const { agent, executed } = refundAgent({
      prepareStep: () => {
        if (fail) {
          fail = false;
          throw new Error('not yet');
        }
        return undefined;
      },
    });
    const { checkpoint } = paused(await agent.run({ message: 'refund me', identity: alice }).catch(() => agent.run({ message: 'refund me', identity: alice })));
    fail = true;
    await expect(agent.decide(checkpoint, { decision: 'deny' }, { approver: bob })).rejects.toThrow('not yet');
    expect((await agent.decide(checkpoint, { decision: 'approve' }, { approver: bob })).status).toBe('completed');
    expect(executed).toEqual([25]);
  });
});

describe('seams that never settle', () => {
  for (const name of ['prepareStep', 'onStepFinish', 'stopWhen'] as const) {
    it(`${name}: an abort ends the run`, async () => {
      const controller = new AbortController();
      let called!: () => void;
      const hanging = new Promise<void>((r) => (called = r));
      // Called, then never settles.
      const hang = () => {
        called();
        return new Promise<never>(() => undefined);
      };
      const agent = Agent.create({ name: 'a', provider: callsEcho(), model: 'm', tools: [echo], [name]: hang });
      const run = agent.run({ message: 'go', signal: controller.signal });
      await hanging;
      controller.abort();
      await expect(run).rejects.toMatchObject({ code: 'run_aborted' });
    });
  }
});

describe('what a step may change', () => {
  it('refuses a model without a price where prices exist: it would run free of every budget', async () => {
    const agent = Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', pricingTable: { m: { input: 1, output: 2 } }, costBudget: { usd: 1 }, prepareStep: () => ({ model: 'unpriced' }) });
    await expect(agent.run({ message: 'go' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('no price') });
    const priced = Agent.create({ name: 'b', provider: mock({ reply: 'x' }), model: 'm', pricingTable: { m: { input: 1, output: 2 }, small: { input: 0.5, output: 1 } }, prepareStep: () => ({ model: 'small' }) });
    expect((await priced.run({ message: 'go' })).status).toBe('completed');
  });

  it("runs no tool a step said 'none' to, even when the model calls one anyway", async () => {
    const ran: string[] = [];
    const wipe = defineTool<{ x: string }>({ name: 'wipe', description: 'Wipe', inputSchema: { type: 'object', properties: { x: { type: 'string' } }, required: ['x'] }, execute: ({ x }) => (ran.push(x), 'ok') });
    const ignoresToolChoice = mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? 'done' : { text: 'calling anyway', toolCalls: [{ name: 'wipe', args: { x: 'db' } }] }) });
    const agent = Agent.create({ name: 'a', provider: ignoresToolChoice, model: 'm', tools: [wipe], prepareStep: () => ({ toolChoice: 'none' }) });
    expect(await agent.run({ message: 'go' })).toMatchObject({ status: 'completed', text: 'calling anyway' });
    expect(ran).toEqual([]);
  });

  it('refuses malformed messages and hostile results as invalid input, not internal errors', async () => {
    // App code, not client input: a getter that throws is still an invalid result, with its code.
    const hostile = {
      get model(): string {
        throw new Error('trap');
      },
    };
    const results = [{ messages: [null] }, { messages: [{ role: 'bogus', content: 'x' }] }, { messages: [{ role: 'user', content: 42 }] }, { messages: [{ role: 'tool', content: 'x' }] }, { messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 1 }] }] }, hostile, { model: () => 'm' }, { activeTools: ['nope'] }];
    for (const [i, result] of results.entries()) {
      const agent = Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', prepareStep: () => result as never });
      const failed = await agent.run({ message: 'go' }).then(() => 'completed', (e: { code?: string }) => e.code);
      expect([i, failed]).toEqual([i, 'invalid_input']);
    }
  });
});
