import { describe, expect, it } from '@jest/globals';
import { mock, type LLMRequest, type MockUsage } from '@agentnest/providers';
import { InMemoryStore, type MemoryMessage } from '@agentnest/memory';
import { Agent } from '../agent.js';
import type { AgentOptions } from './agent.types.js';
import type { AgentEvent } from '../events/agent-event.js';
import { NarrativeRecorder } from '../events/narrative.recorder.js';
import { InMemoryCostLedger } from '../cost/in-memory-cost-ledger.js';
import type { ContextOptions, SummaryOptions } from './context-window.js';
import { MAX_SUMMARY_BATCHES, summaryConversationId } from './summary.js';
import { SUMMARY_LOOKBACK } from './summary-backlog.js';

// Summaries of a backlog larger than one summariser call takes: in batches, oldest first, across runs.

const chat = { tenant: 'acme', principal: 'alice', conversationId: 'backlog' };
const summaries = { ...chat, conversationId: summaryConversationId(chat.conversationId) };
const turns = (n: number, from = 0): MemoryMessage[] =>
  Array.from({ length: n }, (_, i): MemoryMessage[] => [
    { role: 'user', content: `fact ${from + i}: ${'detail '.repeat(30)}` },
    { role: 'assistant', content: `noted ${from + i}` },
  ]).flat();
type SummaryEvent = Extract<AgentEvent, { type: 'memory.summary' }>;

function setup(summarizerUsage?: MockUsage) {
  const memory = new InMemoryStore();
  // What each summariser call was given: its whole prompt, and the message lines after "New messages:".
  const prompts: string[] = [];
  const inputs: string[][] = [];
  const summarizer = mock({
    respond: (req: LLMRequest) => {
      prompts.push(`${req.system}${req.messages[0].content}`);
      inputs.push(req.messages[0].content.split('New messages:\n')[1].split('\n').slice(0, -1));
      return { text: `summary ${inputs.length}`, ...(summarizerUsage ? { usage: summarizerUsage } : {}) };
    },
  });
  let down = false;
  const model = mock({
    respond: () => {
      if (down) throw new Error('model down');
      return 'ok';
    },
  });
  const make = (extra: Partial<AgentOptions> = {}, summarize: Partial<SummaryOptions> = {}, context: Partial<ContextOptions> = {}) =>
    Agent.create({ name: 'a', provider: model, model: 'm', memory, ...extra, context: { window: 2_000, replyTokens: 200, ...context, summarize: { provider: summarizer, model: 'cheap', maxTokens: 100, ...summarize } } });
  /** One run; the summary events it emitted. */
  const run = async (agent: Agent, message: string, runId?: string): Promise<SummaryEvent[]> => {
    const seen: SummaryEvent[] = [];
    await agent.run({ message, identity: chat, runId, recorders: [{ onEvent: (e) => void (e.type === 'memory.summary' && seen.push(e)) }] });
    return seen;
  };
  /** Runs until one leaves nothing for later runs (at most `max`); the events of each. */
  const catchUp = async (agent: Agent, max = 8): Promise<SummaryEvent[][]> => {
    const runs: SummaryEvent[][] = [];
    for (let k = 0; k < max && !(runs.length && !runs.at(-1)![0]?.remaining); k++) runs.push(await run(agent, `question ${k}`));
    return runs;
  };
  /** Every message older than the first one the last model call was shown, as the summariser gets it. */
  const leftOut = async (): Promise<string[]> => {
    const all = await memory.load(chat, { limit: 100_000 });
    const shown = model.calls.at(-1)!.messages[0];
    const at = all.findIndex((m) => m.role === shown.role && m.content === shown.content);
    expect(at).toBeGreaterThan(0);
    return all.slice(0, at).map((m) => `${m.role}: ${m.content}`);
  };
  return { memory, summarizer, model, prompts, inputs, make, run, catchUp, leftOut, fail: (on: boolean) => (down = on) };
}

describe('summaries of a long backlog', () => {
  it('take in all 2,884 messages of a conversation, oldest first, each once, a bounded number of batches per run', async () => {
    const { memory, prompts, inputs, make, catchUp, leftOut } = setup();
    await memory.append(chat, turns(1_442));
    const runs = await catchUp(make());
    // 200 messages a call, 5 calls a run: the backlog takes three runs, each but the last leaving some for the next.
    expect(runs.map((events) => events.length)).toEqual([1, 1, 1]);
    for (const [e] of runs.slice(0, -1)) expect(e).toMatchObject({ summarized: 1_000, batches: MAX_SUMMARY_BATCHES, remaining: expect.any(Number) });
    expect(runs[1][0].remaining).toBeLessThan(runs[0][0].remaining!);
    expect(runs[2][0].remaining).toBeUndefined();
    expect(NarrativeRecorder.render(runs[0][0] as AgentEvent)).toEqual([`Summarized 1000 earlier messages that no longer fit the model's window (in 5 batches; ${runs[0][0].remaining} more left for later runs)`]);
    expect(inputs.every((lines) => lines.length <= 200)).toBe(true);
    // Every message left out, in order, none skipped and none twice.
    const expected = await leftOut();
    expect(expected.length).toBeGreaterThan(2_800);
    expect(inputs.flat()).toEqual(expected);
    expect(inputs[0][0]).toBe(`user: fact 0: ${'detail '.repeat(30)}`);
    // Each batch updates the summary the one before it wrote, and each is stored as it is made.
    prompts.slice(1).forEach((p, i) => expect(p).toContain(`Summary so far:\nsummary ${i + 1}\n\nNew messages:\n`));
    const stored = await memory.load(summaries, { limit: 100 });
    expect(stored.map((m) => m.content)).toEqual(inputs.map((_, i) => `summary ${i + 1}`));
    expect(new Set(stored.map((m) => m.summary?.through)).size).toBe(stored.length);
  });

  it('fit each call in the summarising model’s window; a message too long on its own is cut to fit', async () => {
    const { memory, prompts, inputs, make, catchUp, leftOut } = setup();
    await memory.append(chat, [...turns(100), { role: 'user', content: `HUGE ${'x'.repeat(40_000)}` }, { role: 'assistant', content: 'noted huge' }, ...turns(400, 100)]);
    const runs = await catchUp(make({}, {}, { windows: { cheap: 3_000 } }));
    expect(runs.length).toBeGreaterThan(1);
    // About 4 characters a token (what the fake summariser reports too), its 100-token reply included.
    for (const p of prompts) expect(Math.ceil(p.length / 4) + 100).toBeLessThanOrEqual(3_000);
    expect(Math.max(...inputs.map((lines) => lines.length))).toBeLessThan(200);
    const huge = inputs.flat().find((l) => l.startsWith('user: HUGE'))!;
    expect(huge.length).toBeLessThan(12_000);
    expect(huge.endsWith('…')).toBe(true);
    // Otherwise every message once, in order (lines compared by their start, which names them).
    const start = (l: string) => l.slice(0, 40);
    expect(inputs.flat().map(start)).toEqual((await leftOut()).map(start));
  });

  it('go on where a failed run stopped when it is retried, and write each batch once when a job runs twice at once', async () => {
    const { memory, summarizer, inputs, make, run, leftOut, fail } = setup();
    await memory.append(chat, turns(750));
    const agent = make();
    fail(true);
    await expect(run(agent, 'question', 'job-1')).rejects.toThrow('model down');
    expect(inputs).toHaveLength(MAX_SUMMARY_BATCHES);
    fail(false);
    const [retried] = await run(agent, 'question', 'job-1');
    expect(retried).toMatchObject({ batches: 3 });
    expect(retried.remaining).toBeUndefined();
    expect(inputs.flat()).toEqual(await leftOut());
    expect(await memory.load(summaries, { limit: 100 })).toHaveLength(8);

    // The same job delivered twice at once: both do the same batches, each stored once.
    const twice = setup();
    await twice.memory.append(chat, turns(300));
    const again = twice.make();
    await Promise.all([twice.run(again, 'question', 'job-2'), twice.run(again, 'question', 'job-2')]);
    expect(twice.inputs).toHaveLength(6);
    const stored = await twice.memory.load(summaries, { limit: 100 });
    expect(stored).toHaveLength(3);
    expect(new Set(stored.map((m) => m.summary?.through)).size).toBe(3);
    expect(summarizer.callCount).toBe(8);
  });

  it('stop at a tenant budget refusal keeping the batches done, and at the run’s own budget', async () => {
    // Each call holds about $6.40 (its prompt at 4 characters a token, at $1,000 a million) and costs $1.01: the fourth hold would pass $9.
    const { memory, inputs, make, run, catchUp, leftOut } = setup({ inputTokens: 1_000, outputTokens: 10 });
    await memory.append(chat, turns(1_000));
    const seen: AgentEvent[] = [];
    const ledger = new InMemoryCostLedger({ default: { dailyUsd: 9 } });
    const refused = make({ ledger }, { price: { input: 1_000, output: 1_000 } });
    refused.attach({ onEvent: (e) => void seen.push(e) });
    await expect(run(refused, 'question')).rejects.toMatchObject({ code: 'budget_exhausted' });
    expect(inputs).toHaveLength(3);
    expect(seen.filter((e) => e.type === 'memory.summary')).toEqual([expect.objectContaining({ summarized: 600, batches: 3, remaining: expect.any(Number) })]);
    expect(await memory.load(summaries, { limit: 100 })).toHaveLength(3);

    // A run whose own budget the first call spends makes no second one.
    const [capped] = await run(make({ costBudget: { usd: 0.000_001 }, pricingTable: { m: { input: 1, output: 1 } } }, { price: { input: 1, output: 1 } }), 'question');
    expect(capped).toMatchObject({ summarized: 200, batches: 1, remaining: expect.any(Number) });
    expect(inputs).toHaveLength(4);

    // Later runs go on from there: every message once.
    await catchUp(make());
    expect(inputs.flat()).toEqual(await leftOut());
  });

  it('find where the summary stopped after a run that kept no history, without summarising it again', async () => {
    const { memory, inputs, make, run } = setup();
    await memory.append(chat, turns(20));
    const agent = make();
    // A message longer than the window: every earlier message is left out and summarised, the last with nothing after it yet.
    const [all] = await run(agent, `LONG ${'y'.repeat(9_000)}`);
    expect(all).toMatchObject({ summarized: 40, batches: 1 });
    await run(agent, 'short');
    expect(inputs).toHaveLength(2);
    expect(inputs[1].map((l) => l.slice(0, 10))).toEqual(['user: LONG', 'assistant:']);
  });

  it('summarise nothing again when the window has grown past where the summary stopped', async () => {
    const { memory, inputs, make, run } = setup();
    await memory.append(chat, turns(100));
    await run(make(), 'small window');
    expect(inputs).toHaveLength(1);
    expect(await run(make({}, {}, { window: 4_000 }), 'larger window')).toEqual([]);
    expect(inputs).toHaveLength(1);
  });

  it(`reach back at most ${SUMMARY_LOOKBACK} messages before the loaded history`, async () => {
    const { memory, inputs, make, run } = setup();
    await memory.append(chat, turns(5_300));
    const agent = make();
    await run(agent, 'one');
    // 500 loaded, 10,000 read back: the 100 oldest messages are out of reach, and the first summarised is the 101st.
    expect(inputs[0][0]).toMatch(/^user: fact 50: /);
    // The next run finds where this one stopped 9,000 messages back, and goes on from there.
    await run(agent, 'two');
    const all = await memory.load(chat, { limit: 100_000 });
    expect(inputs.flat()).toEqual(all.slice(100, 2_100).map((m) => `${m.role}: ${m.content}`));
  });
});
