import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Agent, defineTool, NarrativeRecorder, summaryConversationId, type AgentEvent } from '@agentnest/agent';
import { InMemoryStore, PostgresStore, RedisStore, type MemoryMessage } from '@agentnest/memory';
import { anthropic, bedrock, mock, openai, type LLMProvider, type LLMRequest } from '@agentnest/providers';
import { AnthropicFake, BedrockFake, OpenAIFake } from '@agentnest/providers/testing';
import { createDatabase } from './harness.js';

// The retry after a context-length error, through each vendor's real SDK against its wire fake
// answering with that vendor's own error.
const identity = { tenant: 'acme', principal: 'alice', conversationId: 'long-chat' };
const lookup = defineTool({ name: 'lookup', description: 'looks something up', inputSchema: { type: 'object' }, execute: () => 'found' });

function history(turns: number): MemoryMessage[] {
  return Array.from({ length: turns }, (_, t): MemoryMessage[] => [
    { role: 'user', content: `question ${t}` },
    { role: 'assistant', content: '', toolCalls: [{ id: `call_${t}`, name: 'lookup', args: { q: t } }] },
    { role: 'tool', toolCallId: `call_${t}`, name: 'lookup', content: `result ${t}` },
    { role: 'assistant', content: `answer ${t}` },
  ]).flat();
}

const bedrockCredentials = { accessKeyId: 'AKIDCONTEXT', secretAccessKey: 'context-secret-access-key-0123456789' };
const vendors = [
  { name: 'anthropic', fake: new AnthropicFake('sk-ant-context'), error: 'prompt is too long: 210000 tokens > 200000 maximum', provider: (origin: string) => anthropic({ apiKey: 'sk-ant-context', baseURL: origin }) },
  { name: 'openai', fake: new OpenAIFake('sk-openai-context'), error: "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens.", provider: (origin: string) => openai({ apiKey: 'sk-openai-context', baseURL: `${origin}/v1` }) },
  { name: 'bedrock', fake: new BedrockFake(bedrockCredentials.accessKeyId), error: 'Input is too long for requested model.', provider: (origin: string) => bedrock({ region: 'us-east-1', credentials: bedrockCredentials, endpoint: origin }) },
] as const;

describe.each(vendors)('a context-length error from $name', ({ fake, error, provider }) => {
  beforeAll(() => fake.start());
  afterAll(() => fake.close());

  it('is retried once without the older half of the history, tool calls kept with their results', async () => {
    let calls = 0;
    fake.respond = () => (++calls === 1 ? { kind: 'error', status: 400, message: error } : { text: 'it fits now' });
    const sent: LLMRequest[] = [];
    const inner = provider(fake.origin);
    const recording: LLMProvider = { name: inner.name, complete: (req, opts) => (sent.push(req), inner.complete(req, opts)) };
    const memory = new InMemoryStore();
    await memory.append(identity, history(30));
    const narrative = new NarrativeRecorder();
    const agent = Agent.create({ name: 'a', provider: recording, model: 'model-x', memory, tools: [lookup], historyLimit: 500 });
    const result = await agent.run({ message: 'and now?', identity, recorders: [narrative] });
    expect(result).toMatchObject({ status: 'completed', text: 'it fits now', iterations: 1 });
    expect(fake.requests).toHaveLength(2);
    expect(sent.map((r) => r.messages.length)).toEqual([121, expect.any(Number)]);
    const retry = sent[1].messages;
    expect(retry.length).toBeLessThan(70);
    expect(retry[0].role).toBe('user');
    expect(retry.at(-1)).toEqual({ role: 'user', content: 'and now?' });
    // Each call still has its result right after it.
    retry.forEach((m, i) => {
      if (m.role === 'assistant' && m.toolCalls?.length) expect(retry[i + 1]).toMatchObject({ role: 'tool', toolCallId: m.toolCalls[0].id });
    });
    expect(narrative.lines.some((l) => /^The request was too long for the model: sending it again without \d+ more earlier messages$/.test(l))).toBe(true);
  });

  it('fails with context_length when a retry is refused too', async () => {
    fake.respond = () => ({ kind: 'error', status: 400, message: error });
    const memory = new InMemoryStore();
    await memory.append(identity, history(3));
    const agent = Agent.create({ name: 'a', provider: provider(fake.origin), model: 'model-x', memory, tools: [lookup] });
    await expect(agent.run({ message: 'and now?', identity })).rejects.toMatchObject({ code: 'context_length' });
  });
});

// A conversation summaries were turned on for late, on the stores that page it back with offsets in their own queries.
describe.each([
  ['redis', () => RedisStore.fromUrl(process.env.REDIS_URL!, { prefix: `e2e-summary-${randomUUID()}:` })],
  ['postgres', async () => PostgresStore.fromUrl(await createDatabase(), { migrate: true })],
])('summaries of a 2,884-message conversation on %s', (_store, open) => {
  it('take in every message left out, oldest first and each once, over a few runs', async () => {
    const memory = await open();
    try {
      const chat = { tenant: 'acme', principal: 'alice', conversationId: 'long-chat' };
      await memory.append(
        chat,
        Array.from({ length: 1_442 }, (_, t): MemoryMessage[] => [
          { role: 'user', content: `question ${t}: ${'words '.repeat(30)}` },
          { role: 'assistant', content: `answer ${t}` },
        ]).flat(),
      );
      const given: string[] = [];
      const summarizer = mock({ respond: (req) => (given.push(...req.messages[0].content.split('New messages:\n')[1].split('\n').slice(0, -1)), `summary ${given.length}`) });
      const model = mock({ reply: 'ok' });
      const agent = Agent.create({ name: 'a', provider: model, model: 'm', memory, context: { window: 2_000, replyTokens: 200, summarize: { provider: summarizer, model: 'cheap', maxTokens: 100 } } });
      let remaining: number | undefined;
      let runs = 0;
      do {
        remaining = undefined;
        const onEvent = (e: AgentEvent) => void (e.type === 'memory.summary' && (remaining = e.remaining));
        await agent.run({ message: `run ${runs++}`, identity: chat, recorders: [{ onEvent }] });
      } while (remaining && runs < 8);
      expect(runs).toBe(3);
      const all = await memory.load(chat, { limit: 10_000 });
      const shown = model.calls.at(-1)!.messages[0];
      const leftOut = all.slice(0, all.findIndex((m) => m.role === shown.role && m.content === shown.content));
      expect(leftOut.length).toBeGreaterThan(2_800);
      expect(given).toEqual(leftOut.map((m) => `${m.role}: ${m.content}`));
      expect(await memory.load({ ...chat, conversationId: summaryConversationId('long-chat') }, { limit: 100 })).toHaveLength(15);
    } finally {
      await memory.close();
    }
  });
});
