import { describe, expect, it, jest } from '@jest/globals';
import { mock, ProviderError, resilientProvider, type CallOptions, type LLMRequest } from '@agentnest/providers';
import { InMemoryStore, InvalidIdentityError, type MemoryStore } from '@agentnest/memory';
import { Agent } from './agent.js';
import { RunAbortedError, TenantRequiredError, AgentConfigError } from './errors/agent.errors.js';
import type { AgentEvent } from './events/agent-event.js';
import { NarrativeRecorder } from './events/narrative.recorder.js';
import { defineTool } from './tools/tool.js';
import { alice, completed, echo, lastToolResults } from './agent.fixtures.js';


describe('Agent.run', () => {
  it('answers, reads memory before and writes the whole turn after', async () => {
    const memory = new InMemoryStore();
    const provider = mock({ respond: (req) => `seen ${req.messages.length} messages` });
    const agent = Agent.create({ name: 'a', provider, model: 'm', system: 'be brief', memory });
    const r1 = completed(await agent.run({ message: 'hi', identity: alice }));
    expect(r1).toMatchObject({ text: 'seen 1 messages', conversationId: 'c1', iterations: 1, stoppedEarly: false, finishReason: 'stop' });
    const r2 = completed(await agent.run({ message: 'again', identity: alice }));
    expect(r2.text).toBe('seen 3 messages');
    expect(provider.calls[1].system).toBe('be brief');
    expect((await memory.load(alice)).map((m) => `${m.role}:${m.content}`)).toEqual(['user:hi', 'assistant:seen 1 messages', 'user:again', 'assistant:seen 3 messages']);
    expect(r1.runId).not.toBe(r2.runId);
  });

  it('runs a tool call, returns its result to the model and sums usage and cost', async () => {
    const provider = mock({
      replies: [{ toolCalls: [{ name: 'echo', args: { text: 'x' } }], usage: { inputTokens: 100, outputTokens: 10 } }, { text: 'done', usage: { inputTokens: 200, outputTokens: 20 } }],
    });
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [echo], pricingTable: { m: { input: 3, output: 15 } } });
    const r = completed(await agent.run({ message: 'go' }));
    expect(r.text).toBe('done');
    expect(r.usage).toEqual({ inputTokens: 300, outputTokens: 30, totalTokens: 330 });
    expect(r.costUsd).toBeCloseTo((300 * 3 + 30 * 15) / 1e6, 12);
    expect(provider.calls[0].tools?.map((t) => t.name)).toEqual(['echo']);
    expect(lastToolResults(provider.calls[1])).toEqual([{ role: 'tool', toolCallId: 'call_1_1', name: 'echo', content: 'echo:x' }]);
  });

  it('returns invalid arguments, unknown tools and tool exceptions to the model as error results', async () => {
    const boom = defineTool({ name: 'boom', description: 'fails', inputSchema: { type: 'object' }, execute: () => { throw new Error('disk on fire'); } });
    const executed = jest.fn(echo.execute);
    const provider = mock({
      replies: [
        { toolCalls: [{ name: 'echo', args: { text: 42 } }, { name: 'nope', args: {} }, { name: 'boom', args: {} }] },
        'recovered',
      ],
    });
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [{ ...echo, execute: executed }, boom] });
    const r = completed(await agent.run({ message: 'go' }));
    expect(r.text).toBe('recovered');
    expect(executed).not.toHaveBeenCalled();
    const [invalid, unknown, failed] = lastToolResults(provider.calls[1]);
    expect(invalid).toMatchObject({ isError: true, content: expect.stringContaining('/text must be string') });
    expect(unknown).toMatchObject({ isError: true, content: expect.stringContaining('unknown tool "nope"') });
    expect(failed).toMatchObject({ isError: true, content: expect.stringContaining('disk on fire') });
  });

  it('runs the tool calls of one turn concurrently', async () => {
    // Each tool waits until the other has started: run one after the other, they would time out.
    let startA!: () => void, startB!: () => void;
    const aStarted = new Promise<void>((r) => (startA = r));
    const bStarted = new Promise<void>((r) => (startB = r));
    const waitFor = (p: Promise<void>) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise((r) => (timer = setTimeout(() => r('timed out'), 2000)));
      return Promise.race([p.then(() => 'met'), timeout]).finally(() => clearTimeout(timer));
    };
    const a = defineTool({ name: 'a', description: 'a', inputSchema: { type: 'object' }, execute: () => (startA(), waitFor(bStarted)) });
    const b = defineTool({ name: 'b', description: 'b', inputSchema: { type: 'object' }, execute: () => (startB(), waitFor(aStarted)) });
    const provider = mock({ replies: [{ toolCalls: [{ name: 'a', args: {} }, { name: 'b', args: {} }] }, 'ok'] });
    await Agent.create({ name: 'x', provider, model: 'm', tools: [a, b] }).run({ message: 'go' });
    expect(lastToolResults(provider.calls[1]).map((m) => m.content)).toEqual(['met', 'met']);
  });

  it('stops at maxIterations with one last call without tools and says so', async () => {
    const provider = mock({ respond: (req) => (req.toolChoice !== 'none' ? { toolCalls: [{ name: 'echo', args: { text: 'again' } }] } : 'final answer') });
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [echo], maxIterations: 3 });
    const r = completed(await agent.run({ message: 'loop forever' }));
    expect(r).toMatchObject({ text: 'final answer', stoppedEarly: true, iterations: 4 });
    expect(provider.calls.map((c) => c.toolChoice ?? 'auto')).toEqual(['auto', 'auto', 'auto', 'none']);
    expect(provider.calls[3].tools?.map((t) => t.name)).toEqual(['echo']);
    expect(provider.calls[3].system).toContain('without calling tools');
  });

  it('defaults maxIterations to 10', async () => {
    const provider = mock({ respond: (req) => (req.toolChoice !== 'none' ? { toolCalls: [{ name: 'echo', args: { text: 'x' } }] } : 'stop') });
    const r = completed(await Agent.create({ name: 'a', provider, model: 'm', tools: [echo] }).run({ message: 'go' }));
    expect(r.iterations).toBe(11);
  });

  it('aborts inside a slow model call and between steps', async () => {
    const ac = new AbortController();
    const slow = mock({ reply: 'late', delayMs: 10_000 });
    // Aborted once the provider call is under way (not after a guessed delay).
    const started = { ...slow, name: slow.name, complete: (req: LLMRequest, opts?: CallOptions) => {
      const call = slow.complete(req, opts);
      queueMicrotask(() => ac.abort());
      return call;
    } };
    const agent = Agent.create({ name: 'a', provider: started, model: 'm' });
    await expect(agent.run({ message: 'x', signal: ac.signal })).rejects.toBeInstanceOf(RunAbortedError);

    const provider = mock({ reply: 'never' });
    await expect(Agent.create({ name: 'a', provider, model: 'm' }).run({ message: 'x', signal: AbortSignal.abort() })).rejects.toBeInstanceOf(RunAbortedError);
    expect(provider.calls).toHaveLength(0);
  });

  it('aborts inside a tool that ignores its signal, and never calls the model again', async () => {
    const ac = new AbortController();
    // The tool aborts the run once it has started, then never ends.
    const stuck = defineTool({ name: 'stuck', description: 'never ends', inputSchema: { type: 'object' }, execute: () => (queueMicrotask(() => ac.abort()), new Promise(() => {})) });
    const provider = mock({ replies: [{ toolCalls: [{ name: 'stuck', args: {} }] }, 'unreachable'] });
    const pending = Agent.create({ name: 'a', provider, model: 'm', tools: [stuck] }).run({ message: 'x', signal: ac.signal });
    await expect(pending).rejects.toBeInstanceOf(RunAbortedError);
    expect(provider.calls).toHaveLength(1);
  });

  it('streams replies as llm.delta events when asked, and answers the same as without streaming', async () => {
    const provider = mock({ replies: [{ toolCalls: [{ name: 'echo', args: { text: 'y' } }] }, 'a streamed final answer'], chunkSize: 4 });
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [echo] });
    agent.attach({ onEvent: (e) => events.push(e) });
    const r = completed(await agent.run({ message: 'go', stream: true }));
    const deltas = events.filter((e) => e.type === 'llm.delta');
    expect(deltas.map((d) => d.delta).join('')).toBe(r.text);
    expect(deltas.length).toBe(Math.ceil(r.text.length / 4));
    expect(deltas.every((d) => d.iteration === 2)).toBe(true);
    // Deltas arrive before the response they belong to.
    expect(events.findIndex((e) => e.type === 'llm.delta')).toBeLessThan(events.findIndex((e) => e.type === 'llm.response' && e.iteration === 2));
    expect(r.usage).toEqual(completed(await Agent.create({ name: 'a', provider: mock({ replies: [{ toolCalls: [{ name: 'echo', args: { text: 'y' } }] }, 'a streamed final answer'] }), model: 'm', tools: [echo] }).run({ message: 'go' })).usage);

    const noStream = mock({ reply: 'whole' });
    delete (noStream as { stream?: unknown }).stream;
    const quiet: AgentEvent[] = [];
    const plain = Agent.create({ name: 'a', provider: noStream, model: 'm' });
    plain.attach({ onEvent: (e) => quiet.push(e) });
    expect(completed(await plain.run({ message: 'x', stream: true })).text).toBe('whole');
    expect(quiet.some((e) => e.type === 'llm.delta')).toBe(false);
  });

  it('aborts a stream that stalls mid-reply, and the provider sees the abort', async () => {
    const ac = new AbortController();
    let seen: AbortSignal | undefined;
    const provider = {
      name: 'stalling',
      complete: () => Promise.reject(new Error('not used')),
      async *stream(_req: LLMRequest, opts?: CallOptions) {
        seen = opts?.signal;
        yield { type: 'text' as const, delta: 'part' };
        await new Promise(() => {});
      },
    };
    const deltas: string[] = [];
    const agent = Agent.create({ name: 'a', provider, model: 'm' });
    // Aborted when the first delta arrives: the stream has stalled after it.
    agent.attach({ onEvent: (e) => e.type === 'llm.delta' && (deltas.push(e.delta), queueMicrotask(() => ac.abort())) });
    await expect(agent.run({ message: 'x', signal: ac.signal, stream: true })).rejects.toBeInstanceOf(RunAbortedError);
    expect(deltas).toEqual(['part']);
    expect(seen?.aborted).toBe(true);
  });

  it('fails a stream that ends without a final response with a typed error', async () => {
    const provider = { name: 'broken', complete: () => Promise.reject(new Error('not used')), async *stream() { yield { type: 'text' as const, delta: 'x' }; } };
    await expect(Agent.create({ name: 'a', provider, model: 'm' }).run({ message: 'x', stream: true })).rejects.toMatchObject({ code: 'provider_protocol' });
  });

  it('emits typed events in order, and a throwing recorder never breaks the run', async () => {
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider: mock({ replies: [{ toolCalls: [{ name: 'echo', args: { text: 'y' } }] }, 'ok'] }), model: 'm', tools: [echo], memory: new InMemoryStore() });
    agent.attach({ onEvent: () => { throw new Error('recorder bug'); } });
    agent.attach({ onEvent: (e) => events.push(e) });
    completed(await agent.run({ message: 'go', identity: alice }));
    expect(events.map((e) => e.type)).toEqual(['run.start', 'memory.read', 'llm.request', 'llm.response', 'tool.start', 'tool.end', 'llm.request', 'llm.response', 'memory.write', 'run.end']);
    expect(new Set(events.map((e) => e.runId)).size).toBe(1);
    expect(events[0]).toMatchObject({ agent: 'a', identity: alice, message: 'go' });
  });

  it('loads no history for a conversation the caller has just started, and still keeps its turn', async () => {
    const store = new InMemoryStore();
    let loads = 0;
    const load = store.load.bind(store);
    store.load = (...args) => (loads++, load(...args));
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider: mock({ reply: 'hi' }), model: 'm', memory: store });
    agent.attach({ onEvent: (e) => events.push(e) });
    completed(await agent.run({ message: 'first', identity: alice, newConversation: true }));
    expect(loads).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['run.start', 'llm.request', 'llm.response', 'memory.write', 'run.end']);
    // The next turn of the same conversation reads the first.
    const next = mock({ reply: 'again' });
    completed(await Agent.create({ name: 'a', provider: next, model: 'm', memory: store }).run({ message: 'second', identity: alice }));
    expect(loads).toBe(1);
    expect(next.calls[0].messages.map((m) => m.content)).toEqual(['first', 'hi', 'second']);
  });

  it('puts retries, breaker changes and fallbacks of the provider stack into events and the narrative', async () => {
    const down = mock({
      name: 'primary',
      respond: () => {
        throw new ProviderError('overloaded', 'primary', 'down', 529);
      },
    });
    const provider = resilientProvider({ providers: [down, mock({ name: 'backup', reply: 'from backup' })], retry: { initialDelayMs: 1, jitter: 0 }, breaker: { failureThreshold: 2 } });
    const narrative = new NarrativeRecorder();
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider, model: 'm' });
    agent.attach(narrative);
    agent.attach({ onEvent: (e) => events.push(e) });
    completed(await agent.run({ message: 'hi', identity: { tenant: 'acme', conversationId: 'c' } }));
    expect(events.filter((e) => e.type === 'resilience').map((e) => e.type === 'resilience' && e.decision.type)).toEqual(['retry', 'breaker', 'retry', 'fallback']);
    expect(narrative.lines).toEqual(
      expect.arrayContaining([
        '  retrying primary (attempt 2) in 1 ms after overloaded',
        '  circuit for primary: closed -> open',
        '  falling back from primary to backup after circuit_open',
        'Assistant: "from backup"',
      ]),
    );
  });

  it('passes the run tenant to the provider (per-tenant budgets)', async () => {
    const seen: Array<string | undefined> = [];
    const provider = { name: 'spy', complete: async (_r: LLMRequest, o?: CallOptions) => (seen.push(o?.tenant), mock({ reply: 'ok' }).complete(_r)) };
    await Agent.create({ name: 'a', provider, model: 'm' }).run({ message: 'x', identity: { tenant: 'acme', conversationId: 'c' } });
    expect(seen).toEqual(['acme']);
  });

  it('reports failures as run.error with the error code', async () => {
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider: mock({ replies: [] }), model: 'm' });
    agent.attach({ onEvent: (e) => events.push(e) });
    await expect(agent.run({ message: 'x' })).rejects.toMatchObject({ code: 'mock_replies_exhausted' });
    expect(events.at(-1)).toMatchObject({ type: 'run.error', code: 'mock_replies_exhausted' });
  });

  it('tells status changes through enable.thinking', async () => {
    const statuses: string[] = [];
    const agent = Agent.create({ name: 'a', provider: mock({ replies: [{ toolCalls: [{ name: 'echo', args: { text: 'y' } }] }, 'ok'] }), model: 'm', tools: [echo] });
    agent.enable.thinking({ onStatus: (s) => statuses.push(s) });
    await agent.run({ message: 'go' });
    expect(statuses).toEqual(['Thinking…', 'Running echo…', 'Thinking…', 'Done']);
  });

  it('narrates a run in plain lines', async () => {
    const narrative = new NarrativeRecorder();
    const agent = Agent.create({ name: 'a', provider: mock({ replies: [{ toolCalls: [{ name: 'echo', args: { text: 'y' } }] }, 'all done'] }), model: 'm', tools: [echo] });
    agent.attach(narrative);
    await agent.run({ message: 'please echo' });
    const text = narrative.toString();
    expect(text).toMatch(/^User: "please echo"/);
    expect(text).toContain('Assistant called echo({"text":"y"})');
    expect(text).toMatch(/Tool echo returned "echo:y" in [\d.]+ ms/);
    expect(text).toContain('Assistant: "all done"');
    expect(narrative.lines.at(-1)).toMatch(/^Run completed: 2 model calls, \d+ tokens/);
  });

  it('rejects a run without a tenant before any I/O when requireTenant is on', async () => {
    const memory: MemoryStore = { ...new InMemoryStore(), name: 'spy', load: jest.fn(), append: jest.fn(), clear: jest.fn(), forgetTenant: jest.fn(), forgetPrincipal: jest.fn() } as unknown as MemoryStore;
    const provider = mock({ reply: 'x' });
    const agent = Agent.create({ name: 'a', provider, model: 'm', memory, requireTenant: true });
    await expect(agent.run({ message: 'x', identity: { principal: 'p', conversationId: 'c' } })).rejects.toBeInstanceOf(TenantRequiredError);
    await expect(agent.run({ message: 'x' })).rejects.toBeInstanceOf(TenantRequiredError);
    await expect(agent.run({ message: 'x', identity: { tenant: '', conversationId: 'c' } })).rejects.toBeInstanceOf(TenantRequiredError);
    expect(memory.load).not.toHaveBeenCalled();
    expect(provider.calls).toHaveLength(0);
  });

  it('rejects malformed identities and options', async () => {
    const agent = Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm' });
    await expect(agent.run({ message: 'x', identity: { conversationId: 5 as unknown as string } })).rejects.toBeInstanceOf(InvalidIdentityError);
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', maxIterations: 0 })).toThrow(AgentConfigError);
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', checkpointSecret: 'short' })).toThrow(AgentConfigError);
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', tools: [echo, echo] })).toThrow(AgentConfigError);
    expect(() => defineTool({ name: 'bad name', description: 'd', inputSchema: { type: 'object' }, execute: () => 1 })).toThrow(AgentConfigError);
    expect(() => defineTool({ name: 'ok', description: 'd', inputSchema: { type: 'object', properties: { a: { type: 'nonsense' } } }, execute: () => 1 })).toThrow(/invalid inputSchema/);
  });
});
