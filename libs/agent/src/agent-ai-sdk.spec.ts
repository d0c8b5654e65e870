import { describe, expect, it } from '@jest/globals';
import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart, LanguageModelV4Usage } from '@ai-sdk/provider';
import { MockLanguageModelV4, convertArrayToReadableStream } from 'ai/test';
import { aiSdk } from '@agentnest/providers';
import { Agent } from './agent.js';
import { RunAbortedError } from './errors/agent.errors.js';
import type { AgentEvent } from './events/agent-event.js';
import { completed, echo } from './agent.fixtures.js';

const usage = (input: number, output: number, cacheRead?: number): LanguageModelV4Usage => ({
  inputTokens: { total: input, noCache: input - (cacheRead ?? 0), cacheRead, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

const toolCallTurn = { content: [{ type: 'tool-call' as const, toolCallId: 'c1', toolName: 'echo', input: '{"text":"x"}' }], finishReason: { unified: 'tool-calls' as const, raw: 'tool_calls' }, usage: usage(100, 10), warnings: [] };
const answerTurn = { content: [{ type: 'text' as const, text: 'done' }], finishReason: { unified: 'stop' as const, raw: 'stop' }, usage: { ...usage(200, 20, 150), outputTokens: { total: 20, text: 12, reasoning: 8 } }, warnings: [] };

const streamed = (parts: LanguageModelV4StreamPart[]) => ({ stream: convertArrayToReadableStream(parts) });
const finish = (unified: 'stop' | 'tool-calls', u: LanguageModelV4Usage): LanguageModelV4StreamPart => ({ type: 'finish', finishReason: { unified, raw: undefined }, usage: u });

/** The tool results the model was sent on a call, as the specification's prompt carries them. */
const toolResults = (call: LanguageModelV4CallOptions) => call.prompt.filter((m) => m.role === 'tool').flatMap((m) => m.content);

describe('Agent on an AI SDK model (aiSdk)', () => {
  it('runs a tool call round trip and sums usage with cached input and reasoning tokens', async () => {
    const model = new MockLanguageModelV4({ modelId: 'm', doGenerate: [toolCallTurn, answerTurn] });
    const agent = Agent.create({ name: 'a', provider: aiSdk(model), model: 'm', tools: [echo] });
    const r = completed(await agent.run({ message: 'go' }));
    expect(r.text).toBe('done');
    expect(r.usage).toEqual({ inputTokens: 300, outputTokens: 30, totalTokens: 330, inputTokenDetails: { noCacheTokens: 150, cacheReadTokens: 150 }, outputTokenDetails: { textTokens: 22, reasoningTokens: 8 } });
    expect(model.doGenerateCalls[0].tools).toEqual([{ type: 'function', name: 'echo', description: echo.description, inputSchema: echo.inputSchema }]);
    expect(toolResults(model.doGenerateCalls[1])).toEqual([{ type: 'tool-result', toolCallId: 'c1', toolName: 'echo', output: { type: 'text', value: 'echo:x' } }]);
  });

  it('streams the reply as llm.delta events through the same loop', async () => {
    const model = new MockLanguageModelV4({
      doStream: [
        streamed([{ type: 'tool-call', toolCallId: 'c1', toolName: 'echo', input: '{"text":"y"}' }, finish('tool-calls', usage(10, 1))]),
        streamed([{ type: 'text-delta', id: 't', delta: 'str' }, { type: 'text-delta', id: 't', delta: 'eamed' }, finish('stop', usage(20, 2))]),
      ],
    });
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider: aiSdk(model), model: 'm', tools: [echo] });
    agent.attach({ onEvent: (e) => events.push(e) });
    const r = completed(await agent.run({ message: 'go', stream: true }));
    expect(r.text).toBe('streamed');
    expect(events.filter((e) => e.type === 'llm.delta').map((e) => e.delta)).toEqual(['str', 'eamed']);
    expect(toolResults(model.doStreamCalls[1])).toEqual([{ type: 'tool-result', toolCallId: 'c1', toolName: 'echo', output: { type: 'text', value: 'echo:y' } }]);
  });

  it('aborts a stalled stream, and the model sees the abort', async () => {
    const ac = new AbortController();
    const model = new MockLanguageModelV4({
      doStream: async (options) => ({
        // As a fetch-based provider does: the stream fails when the call's signal fires.
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'text-delta', id: 't', delta: 'part' });
            options.abortSignal?.addEventListener('abort', () => controller.error(options.abortSignal?.reason));
          },
        }),
      }),
    });
    const agent = Agent.create({ name: 'a', provider: aiSdk(model), model: 'm' });
    agent.attach({ onEvent: (e) => e.type === 'llm.delta' && queueMicrotask(() => ac.abort()) });
    await expect(agent.run({ message: 'x', signal: ac.signal, stream: true })).rejects.toBeInstanceOf(RunAbortedError);
    expect(model.doStreamCalls[0].abortSignal?.aborted).toBe(true);
  });
});
