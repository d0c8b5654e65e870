import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Agent, defineTool, NarrativeRecorder } from '@agentnest/agent';
import { InMemoryStore, type MemoryMessage } from '@agentnest/memory';
import { anthropic, bedrock, openai, type LLMProvider, type LLMRequest } from '@agentnest/providers';
import { AnthropicFake, BedrockFake, OpenAIFake } from '@agentnest/providers/testing';

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
