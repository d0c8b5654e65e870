import { describe, expect, it } from '@jest/globals';
import { mock, type LLMRequest } from '@agentnest/providers';
import { Agent } from '../agent.js';
import { isPaused, type RunResult } from '../run/agent.types.js';
import { maxInput } from '../guardrails/max-input.js';
import { agentTool } from '../team/team-tool.js';
import { askHuman } from '../tools/ask-human.js';
import { defineTool } from '../tools/tool.js';
import { NarrativeRecorder } from './narrative.recorder.js';

const SECRET = 'narrative-spec-secret-long-enough-0123456';
const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };
const lastText = (req: LLMRequest) => req.messages.at(-1)?.content ?? '';
/** Echoes the message; "ask me" asks the human first and then reports the answer. */
const echo = () => mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? `You answered: ${lastText(req)}` : /ask me/.test(lastText(req)) ? { toolCalls: [{ name: 'askHuman', args: { question: 'Which one?' } }] } : `You said: ${lastText(req)}`) });

describe('the narrative on a run result', () => {
  it('is the lines of a NarrativeRecorder passed for the run, and absent without one', async () => {
    const agent = Agent.create({ name: 'a', provider: echo(), model: 'm' });
    const narrative = new NarrativeRecorder();
    const r = await agent.run({ message: 'hello', identity: alice, recorders: [narrative] });
    expect(r.narrative).toEqual(narrative.lines);
    expect(r.narrative![0]).toBe('User: "hello"');
    expect(r.narrative!.at(-1)).toMatch(/^Run completed: 1 model call, \d+ tokens/);
    expect(await agent.run({ message: 'hello', identity: alice })).not.toHaveProperty('narrative');
  });

  it('from an attached recorder, holds only the lines of its own run, also when runs overlap', async () => {
    const agent = Agent.create({ name: 'a', provider: mock({ respond: (req) => `You said: ${lastText(req)}`, delayMs: 5 }), model: 'm' });
    const narrative = new NarrativeRecorder();
    agent.attach(narrative);
    const [one, two] = await Promise.all(['one', 'two'].map((message) => agent.run({ message, identity: { ...alice, conversationId: message } })));
    for (const [r, word] of [[one, 'one'], [two, 'two']] as const) {
      expect(r.narrative![0]).toBe(`User: "${word}"`);
      expect(r.narrative).toContain(`Assistant: "You said: ${word}"`);
      expect(r.narrative!.join('\n')).not.toContain(word === 'one' ? 'two' : 'one');
    }
    expect(narrative.lines).toHaveLength(one.narrative!.length + two.narrative!.length);
  });

  it('of a resume holds the lines of the resume only; a sub-agent\'s lines are in its caller\'s', async () => {
    const helper = Agent.create({ name: 'helper', provider: echo(), model: 'm', tools: [askHuman], checkpointSecret: SECRET });
    const top = Agent.create({ name: 'top', provider: mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? `top relays: ${lastText(req)}` : { toolCalls: [{ name: 'helper', args: { message: lastText(req) } }] }) }), model: 'm', tools: [agentTool(helper, { description: 'helps' })], checkpointSecret: SECRET });
    const narrative = new NarrativeRecorder();
    top.attach(narrative);
    const paused = await top.run({ message: 'ask me', identity: alice });
    if (!isPaused(paused)) throw new Error('expected a pause');
    expect(paused.narrative![0]).toBe('User: "ask me"');
    expect(paused.narrative).toContain('  [helper] Asked: "ask me"');
    expect(paused.narrative!.at(-1)).toBe('Run paused after 1 model call');
    const resumed: RunResult = await top.resume(paused.checkpoint, 'blue', { identity: alice });
    expect(resumed).toMatchObject({ status: 'completed', text: 'top relays: You answered: blue' });
    expect(resumed.narrative![0]).toBe('Resumed: helper answered');
    expect(resumed.narrative).toContain('  [helper] Resumed: askHuman answered');
    expect(resumed.narrative).not.toContain('User: "ask me"');
    expect(resumed.narrative!.at(-1)).toMatch(/^Run completed: \d+ model calls/);
    expect(narrative.lines).toEqual([...paused.narrative!, ...resumed.narrative!]);
  });

  it('is each run\'s own even when two runs share a run id, and an attached recorder keeps a bounded tail', async () => {
    const agent = Agent.create({ name: 'a', provider: mock({ respond: (req) => `You said: ${lastText(req)}`, delayMs: 5 }), model: 'm' });
    const narrative = new NarrativeRecorder();
    agent.attach(narrative);
    // A caller-chosen run id, used by two tenants at once: neither result may show the other's words.
    const [acme, initech] = await Promise.all([
      agent.run({ message: 'acme secret', identity: alice, runId: 'order-42' }),
      agent.run({ message: 'initech secret', identity: { tenant: 'initech', principal: 'bob', conversationId: 'c1' }, runId: 'order-42' }),
    ]);
    expect(acme.narrative!.join('\n')).not.toContain('initech');
    expect(initech.narrative!.join('\n')).not.toContain('acme');
    expect(acme.narrative![0]).toBe('User: "acme secret"');
    expect(initech.narrative![0]).toBe('User: "initech secret"');
    // 3,500 runs (4 lines each) later, an attached recorder holds the newest lines, not all 14,000.
    const busy = Agent.create({ name: 'b', provider: echo(), model: 'm' });
    const tail = new NarrativeRecorder();
    busy.attach(tail);
    for (let i = 0; i < 3_500; i++) await busy.run({ message: `m${i}`, identity: alice });
    expect(tail.lines.length).toBeLessThanOrEqual(12_500);
    expect(tail.lines.at(-1)).toMatch(/^Run completed/);
  });

  it('tells a budget stop as one, in whole cents', async () => {
    // Each call costs $0.01 (10 tokens at $1,000 per million): three of them are 0.030000000000000002 in floating point.
    const ping = defineTool({ name: 'ping', description: 'pong', inputSchema: { type: 'object', properties: {} }, execute: () => 'pong' });
    const provider = mock({ respond: () => ({ toolCalls: [{ name: 'ping', args: {} }], usage: { inputTokens: 10, outputTokens: 0 } }) });
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [ping], pricingTable: { m: { input: 1000, output: 0 } }, costBudget: { usd: 0.025 } });
    const r = await agent.run({ message: 'go', identity: alice, recorders: [new NarrativeRecorder()] });
    expect(r.status).toBe('budget_exceeded');
    expect(r.narrative).toContain('Run budget of $0.025 exceeded ($0.03 spent): stopping here');
    expect(r.narrative!.at(-1)).toMatch(/^Run stopped at its budget: 3 model calls, 30 tokens, \$0\.03 spent, /);
    expect(r.narrative!.join('\n')).not.toMatch(/tool-call limit|0000000/);
  });

  it('comes with a run a guardrail blocked', async () => {
    const agent = Agent.create({ name: 'a', provider: echo(), model: 'm', guardrails: { input: [maxInput({ chars: 3 })] } });
    const r = await agent.run({ message: 'far too long', identity: alice, recorders: [new NarrativeRecorder()] });
    expect(r.status).toBe('blocked');
    expect(r.narrative!.at(-1)).toMatch(/^Run blocked by a guardrail/);
  });
});
