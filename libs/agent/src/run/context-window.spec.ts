import { describe, expect, it } from '@jest/globals';
import { mock, openaiTokenCounter, ProviderError, type LLMMessage, type LLMRequest } from '@agentnest/providers';
import { InMemoryStore, type MemoryMessage } from '@agentnest/memory';
import { Agent } from '../agent.js';
import type { RunResult } from './agent.types.js';
import type { AgentEvent } from '../events/agent-event.js';
import { NarrativeRecorder } from '../events/narrative.recorder.js';
import { defineTool } from '../tools/tool.js';
import { fitHistory, TokenEstimator, windowFor } from './context-window.js';

const alice = { tenant: 'acme', principal: 'alice', conversationId: 'long' };
const completed = (r: RunResult) => {
  if (r.status !== 'completed') throw new Error(`expected completed, got ${r.status}`);
  return r;
};

/** A tool-heavy conversation: each turn is a question, a call to two tools, their results and an answer. */
function conversation(turns: number): MemoryMessage[] {
  const out: MemoryMessage[] = [];
  for (let t = 0; t < turns; t++) {
    out.push({ role: 'user', content: `question ${t}: ${'why '.repeat(10)}` });
    out.push({ role: 'assistant', content: '', toolCalls: [{ id: `a${t}`, name: 'lookup', args: { q: t } }, { id: `b${t}`, name: 'lookup', args: { q: -t } }] });
    out.push({ role: 'tool', toolCallId: `a${t}`, name: 'lookup', content: `result a${t} ${'data '.repeat(20)}` });
    out.push({ role: 'tool', toolCallId: `b${t}`, name: 'lookup', content: `result b${t} ${'data '.repeat(20)}` });
    out.push({ role: 'assistant', content: `answer ${t}` });
  }
  return out;
}

/** Every tool result in `messages` follows the assistant message that called it, and every call has its result. */
function pairsIntact(messages: LLMMessage[]): boolean {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role === 'assistant' && m.toolCalls?.length) {
      const results = new Set<string>();
      for (let j = i + 1; messages[j]?.role === 'tool'; j++) results.add((messages[j] as { toolCallId: string }).toolCallId);
      if (!m.toolCalls.every((c) => results.has(c.id))) return false;
    }
    if (m.role === 'tool') {
      let k = i - 1;
      while (k >= 0 && messages[k].role === 'tool') k--;
      const caller = messages[k];
      if (caller?.role !== 'assistant' || !caller.toolCalls?.some((c) => c.id === m.toolCallId)) return false;
    }
  }
  return true;
}

// The conversations' tool, so their tool history is sent as calls (an undeclared tool's would become text).
const lookup = defineTool({ name: 'lookup', description: 'looks up', inputSchema: { type: 'object' }, execute: () => 'x' });

const chars = (m: LLMMessage) => Math.ceil((m.content.length + (m.role === 'assistant' && m.toolCalls ? JSON.stringify(m.toolCalls).length : 0)) / 4);

describe('context windows', () => {
  it('finds a model window by its longest prefix, the agent table and window first', () => {
    expect(windowFor('claude-sonnet-4-5', undefined)).toBe(200_000);
    expect(windowFor('gpt-4o-mini', undefined)).toBe(128_000);
    expect(windowFor('gpt-4o-mini', { windows: { 'gpt-4o-mini': 64_000 } })).toBe(64_000);
    expect(windowFor('my-model', undefined)).toBeUndefined();
    expect(windowFor('my-model', { window: 8_000 })).toBe(8_000);
  });

  it.each([10, 1_000, 100_000])('fits %i tool-heavy turns: never over budget, tool pairs intact, starting at a user message', (turns) => {
    const history = conversation(turns) as LLMMessage[];
    for (const budget of [0, 50, 333, 5_000]) {
      const { kept, dropped } = fitHistory(history, budget, chars);
      expect(kept.reduce((n, m) => n + chars(m), 0)).toBeLessThanOrEqual(budget);
      expect(pairsIntact(kept)).toBe(true);
      if (kept.length) expect(kept[0].role).toBe('user');
      expect(dropped + kept.length).toBe(history.length);
      expect(kept).toEqual(history.slice(dropped));
    }
    expect(fitHistory(history, Infinity, chars)).toEqual({ kept: history, dropped: 0, droppedTokens: 0 });
  });

  it('calibrates estimates from what the vendor reports', () => {
    const est = new TokenEstimator();
    expect(est.tokens('m', 400)).toBe(100);
    est.observe('m', 400, 200);
    expect(est.tokens('m', 400)).toBe(200);
    est.observe('m', 400, 100);
    expect(est.tokens('m', 400)).toBe(170);
    expect(est.tokens('other', 400)).toBe(100);
  });
});

describe('an agent fitting its requests', () => {
  it('leaves out the oldest history (tool pairs together), never the current turn, and says so', async () => {
    const memory = new InMemoryStore();
    await memory.append(alice, conversation(1_000));
    const provider = mock({ reply: 'ok', usage: { inputTokens: 10, outputTokens: 1 } });
    const narrative = new NarrativeRecorder();
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider, model: 'small-model', memory, tools: [lookup], historyLimit: 5_000, context: { window: 3_000, replyTokens: 500 } });
    const big = `now ${'this '.repeat(300)}`;
    completed(await agent.run({ message: big, identity: alice, recorders: [narrative, { onEvent: (e) => events.push(e) }] }));
    const sent = provider.calls[0].messages;
    expect(sent.at(-1)).toEqual({ role: 'user', content: big });
    expect(pairsIntact(sent)).toBe(true);
    expect(sent[0].role).toBe('user');
    expect(sent.reduce((n, m) => n + chars(m) + 4, 0)).toBeLessThanOrEqual(3_000 - 500);
    const dropped = (events.find((e) => e.type === 'llm.request') as { droppedMessages?: number }).droppedMessages!;
    expect(dropped).toBeGreaterThan(4_900);
    expect(narrative.lines).toContain(`Left out the ${dropped} oldest messages of this conversation to fit the model's context window`);
  });

  it("with OpenAI's tokenizer, the fitted request counts within the window by that tokenizer", async () => {
    const tokenizer = await openaiTokenCounter();
    const memory = new InMemoryStore();
    await memory.append(alice, conversation(300));
    const provider = mock({ reply: 'ok' });
    const agent = Agent.create({ name: 'a', provider, model: 'gpt-4o', memory, tools: [lookup], historyLimit: 2_000, context: { window: 4_000, replyTokens: 1_000, tokenizer } });
    completed(await agent.run({ message: 'and then?', identity: alice }));
    const sent = provider.calls[0];
    const exact = sent.messages.reduce((n, m) => n + tokenizer.count(m.role === 'assistant' && m.toolCalls?.length ? `${m.content}${JSON.stringify(m.toolCalls)}` : m.content) + 4, 0) + tokenizer.count(JSON.stringify(sent.tools));
    expect(exact).toBeLessThanOrEqual(4_000 - 1_000);
    expect(exact).toBeGreaterThan(2_500);
    expect(pairsIntact(sent.messages)).toBe(true);
  });

  it('retries once with half the history after a context-length error, and fails when nothing is left to drop', async () => {
    const memory = new InMemoryStore();
    await memory.append(alice, conversation(40));
    const sizes: number[] = [];
    const provider = mock({
      respond: (req: LLMRequest) => {
        sizes.push(req.messages.length);
        if (req.messages.length > 150) throw new ProviderError('context_length', 'mock', 'prompt is too long');
        return 'fits now';
      },
    });
    const narrative = new NarrativeRecorder();
    const agent = Agent.create({ name: 'a', provider, model: 'unknown-model', memory, tools: [lookup], historyLimit: 1_000 });
    const r = completed(await agent.run({ message: 'go', identity: alice, recorders: [narrative] }));
    expect(r.text).toBe('fits now');
    expect(r.iterations).toBe(1);
    expect(sizes[0]).toBe(201);
    expect(sizes[1]).toBeLessThanOrEqual(150);
    expect(sizes).toHaveLength(2);
    expect(narrative.lines.find((l) => l.startsWith('The request was too long'))).toMatch(/^The request was too long for the model: sending it again without \d+ more earlier messages$/);
    const stubborn = Agent.create({ name: 'b', provider: mock({ respond: () => { throw new ProviderError('context_length', 'mock', 'prompt is too long'); } }), model: 'm' });
    await expect(stubborn.run({ message: 'go' })).rejects.toMatchObject({ code: 'context_length' });
  });
});
