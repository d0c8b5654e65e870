import { describe, expect, it } from '@jest/globals';
import { mock } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { Agent } from '../agent.js';
import { AgentConfigError, AgentError } from '../errors/agent.errors.js';
import { askHuman } from '../tools/ask-human.js';
import { defineTool } from '../tools/tool.js';
import type { RunResult } from './agent.types.js';
import type { PrepareStepOptions, StepResult } from './step.js';
import { hasToolCall, stepCountIs } from './stop-condition.js';

const SECRET = 'test-secret-that-is-long-enough-0123456789';

const tool = (name: string) =>
  defineTool<{ text: string }>({
    name,
    description: `${name} text`,
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
    execute: ({ text }) => `${name}:${text}`,
  });
const echo = tool('echo');
const lookup = tool('lookup');
const finish = tool('finish');

/** A model that calls `echo` until tools are forbidden, then answers. */
const looping = () => mock({ respond: (req) => (req.toolChoice !== 'none' ? { toolCalls: [{ name: 'echo', args: { text: 'again' } }] } : 'final answer') });

const completed = (r: RunResult) => {
  if (r.status !== 'completed') throw new Error(`expected completed, got ${r.status}`);
  return r;
};

describe('stopWhen', () => {
  it('stops after stepCountIs(n) steps with one last call without tools, as maxIterations does', async () => {
    const provider = looping();
    const r = completed(await Agent.create({ name: 'a', provider, model: 'm', tools: [echo], stopWhen: stepCountIs(2) }).run({ message: 'go' }));
    expect(r).toMatchObject({ text: 'final answer', stoppedEarly: true, iterations: 3 });
    expect(provider.calls.map((c) => c.toolChoice ?? 'auto')).toEqual(['auto', 'auto', 'none']);
    expect(provider.calls[2].system).toContain('without calling tools');
  });

  it('stops after a step that called the named tool', async () => {
    const provider = mock({
      respond: (req) => {
        if (req.toolChoice === 'none') return 'done';
        const turns = req.messages.filter((m) => m.role === 'tool').length;
        return { toolCalls: [{ name: turns < 2 ? 'lookup' : 'finish', args: { text: String(turns) } }] };
      },
    });
    const r = completed(await Agent.create({ name: 'a', provider, model: 'm', tools: [lookup, finish], stopWhen: hasToolCall('finish') }).run({ message: 'go' }));
    expect(r).toMatchObject({ text: 'done', stoppedEarly: true, iterations: 4 });
    expect(provider.calls.map((c) => c.toolChoice ?? 'auto')).toEqual(['auto', 'auto', 'auto', 'none']);
  });

  it('stops on a custom predicate given the steps so far, and a run may bring its own', async () => {
    const seen: number[] = [];
    const costly = ({ steps }: { steps: StepResult[] }) => {
      seen.push(steps.length);
      return steps.reduce((n, s) => n + s.toolCalls.length, 0) >= 3;
    };
    const agent = Agent.create({ name: 'a', provider: looping(), model: 'm', tools: [echo] });
    const r = completed(await agent.run({ message: 'go', stopWhen: costly }));
    expect(r).toMatchObject({ stoppedEarly: true, iterations: 4 });
    expect(seen).toEqual([1, 2, 3]);
    // The agent's own condition (maxIterations by default) applies to runs that bring none.
    expect(completed(await agent.run({ message: 'go' })).iterations).toBe(11);
  });

  it('keeps maxIterations as a limit beside stopWhen', async () => {
    const never = () => false;
    const r = completed(await Agent.create({ name: 'a', provider: looping(), model: 'm', tools: [echo], stopWhen: never, maxIterations: 2 }).run({ message: 'go' }));
    expect(r).toMatchObject({ stoppedEarly: true, iterations: 3 });
  });

  it('gives a condition a copy of the steps: changing them does not change the run', async () => {
    const vandal = ({ steps }: { steps: StepResult[] }) => {
      steps.length = 0;
      return false;
    };
    const r = completed(await Agent.create({ name: 'a', provider: looping(), model: 'm', tools: [echo], stopWhen: [vandal, stepCountIs(2)] }).run({ message: 'go' }));
    expect(r.iterations).toBe(3);
  });

  it('counts the steps before a pause when the run resumes', async () => {
    const provider = mock({
      respond: (req) => {
        if (req.toolChoice === 'none') return 'final';
        const answered = req.messages.some((m) => m.role === 'tool' && m.name === 'askHuman');
        return { toolCalls: [answered ? { name: 'echo', args: { text: 'x' } } : { name: 'askHuman', args: { question: 'Which?' } }] };
      },
    });
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [askHuman, echo], checkpointSecret: SECRET, stopWhen: stepCountIs(2) });
    const paused = await agent.run({ message: 'go' });
    if (paused.status !== 'paused') throw new Error('expected a pause');
    const r = completed(await agent.resume(paused.checkpoint, 'blue'));
    // Step 1 asked (and paused), step 2 called echo, then the last call without tools.
    expect(r).toMatchObject({ text: 'final', stoppedEarly: true, iterations: 3 });
  });

  it('is checked when the agent is built and when a run starts', async () => {
    const base = { name: 'a', provider: mock({ reply: 'x' }), model: 'm' };
    expect(() => Agent.create({ ...base, stopWhen: 3 as never })).toThrow(AgentConfigError);
    expect(() => Agent.create({ ...base, stopWhen: [] })).toThrow(/stopWhen/);
    expect(() => Agent.create({ ...base, prepareStep: 'x' as never })).toThrow(/prepareStep must be a function/);
    expect(() => Agent.create({ ...base, onStepFinish: {} as never })).toThrow(/onStepFinish must be a function/);
    await expect(Agent.create(base).run({ message: 'x', stopWhen: ['no'] as never })).rejects.toBeInstanceOf(AgentError);
  });
});

describe('prepareStep', () => {
  it('switches the model and restricts the tools of one step', async () => {
    const provider = mock({ replies: [{ toolCalls: [{ name: 'lookup', args: { text: 'q' } }] }, 'answer'] });
    const given: PrepareStepOptions[] = [];
    const agent = Agent.create({
      name: 'a',
      provider,
      model: 'small',
      tools: [echo, lookup],
      prepareStep: (options) => {
        given.push(options);
        return options.stepNumber === 0 ? { model: 'large', activeTools: ['lookup'], system: 'Look it up first.' } : undefined;
      },
    });
    const r = completed(await agent.run({ message: 'find it' }));
    expect(r.text).toBe('answer');
    expect(provider.calls.map((c) => c.model)).toEqual(['large', 'small']);
    expect(provider.calls[0].tools?.map((t) => t.name)).toEqual(['lookup']);
    expect(provider.calls[0].system).toBe('Look it up first.');
    expect(provider.calls[1].tools?.map((t) => t.name)).toEqual(['echo', 'lookup']);
    expect(given.map((g) => [g.stepNumber, g.steps.length, g.model])).toEqual([[0, 0, 'small'], [1, 1, 'small']]);
    expect(given[1].steps[0]).toMatchObject({ model: 'large', toolCalls: [{ name: 'lookup' }], toolResults: [{ content: 'lookup:q' }] });
    expect(given[0].messages).toEqual([{ role: 'user', content: 'find it' }]);
  });

  it('refuses a call to a tool left out of activeTools', async () => {
    const provider = mock({ replies: [{ toolCalls: [{ name: 'echo', args: { text: 'sneaky' } }] }, 'ok'] });
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [echo, lookup], prepareStep: () => ({ activeTools: ['lookup'] }) });
    completed(await agent.run({ message: 'go' }));
    const result = provider.calls[1].messages.find((m) => m.role === 'tool');
    expect(result).toMatchObject({ isError: true, content: expect.stringContaining('unknown tool "echo"') });
  });

  it('replaces the messages of one call without changing the run, and cannot corrupt it through what it was given', async () => {
    const provider = mock({ respond: (req) => `saw ${req.messages.map((m) => m.content).join('|')}` });
    const memory = new InMemoryStore();
    const agent = Agent.create({
      name: 'a',
      provider,
      model: 'm',
      memory,
      prepareStep: ({ messages }) => {
        messages[0].content = 'tampered';
        return { messages: [{ role: 'user', content: 'rewritten' }], toolChoice: 'none' };
      },
    });
    const r = completed(await agent.run({ message: 'original', identity: { conversationId: 'c' } }));
    expect(r.text).toBe('saw rewritten');
    expect((await memory.load({ conversationId: 'c' })).map((m) => m.content)).toEqual(['original', 'saw rewritten']);
    expect(provider.calls[0].toolChoice).toBeUndefined();
  });

  it('fails the run when it returns something unusable', async () => {
    const agent = Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', prepareStep: () => ({ model: 42 as never }) });
    await expect(agent.run({ message: 'go' })).rejects.toThrow(/prepareStep returned an invalid model/);
  });
});

describe('onStepFinish', () => {
  it('gets every step in order with its text, calls, results, usage and finish reason, the agent first, then the run', async () => {
    const provider = mock({
      replies: [{ text: 'looking', toolCalls: [{ name: 'echo', args: { text: 'a' } }], usage: { inputTokens: 10, outputTokens: 1 } }, { text: 'done', usage: { inputTokens: 20, outputTokens: 2 } }],
    });
    const order: string[] = [];
    const steps: StepResult[] = [];
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [echo], onStepFinish: (s) => void order.push(`agent:${s.stepNumber}`) });
    await agent.run({
      message: 'go',
      onStepFinish: async (s) => {
        order.push(`run:${s.stepNumber}`);
        steps.push(s);
        // A callback that changes what it got changes nothing in the run.
        s.toolCalls.length = 0;
      },
    });
    expect(order).toEqual(['agent:0', 'run:0', 'agent:1', 'run:1']);
    expect(steps[0]).toMatchObject({ stepNumber: 0, agent: 'a', model: 'm', text: 'looking', toolCalls: [], toolResults: [{ role: 'tool', name: 'echo', content: 'echo:a' }], usage: { inputTokens: 10, outputTokens: 1 }, finishReason: 'tool-calls' });
    expect(steps[1]).toMatchObject({ stepNumber: 1, text: 'done', toolCalls: [], toolResults: [], usage: { inputTokens: 20, outputTokens: 2 }, finishReason: 'stop' });
    expect(provider.calls[1].messages.find((m) => m.role === 'assistant')).toMatchObject({ toolCalls: [{ name: 'echo' }] });
  });
});
