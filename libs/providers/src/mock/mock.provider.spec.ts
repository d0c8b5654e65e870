import { describe, expect, it } from '@jest/globals';
import { mock } from './mock.provider.js';
import { MockRepliesExhaustedError, ProviderConfigError } from '../provider.errors.js';
import type { LLMRequest, StreamEvent } from '../llm-provider.js';

const req = (content = 'hello'): LLMRequest => ({ model: 'm1', messages: [{ role: 'user', content }] });

describe('mock()', () => {
  it('answers every call with a fixed reply and reports estimated usage', async () => {
    const p = mock({ reply: 'hi there' });
    const r1 = await p.complete(req('abcdefgh'));
    const r2 = await p.complete(req());
    expect(r1).toMatchObject({ text: 'hi there', toolCalls: [], finishReason: 'stop', model: 'm1', provider: 'mock' });
    expect(r1.usage).toEqual({ inputTokens: 2, outputTokens: 2, totalTokens: 4 });
    expect(r2.text).toBe('hi there');
    expect(p.calls).toHaveLength(2);
  });

  it('plays scripted replies in order and names the call number when they run out', async () => {
    const p = mock({ replies: ['one', { text: 'two', finishReason: 'length' }] });
    expect((await p.complete(req())).text).toBe('one');
    expect(await p.complete(req())).toMatchObject({ text: 'two', finishReason: 'length' });
    const err = await p.complete(req()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MockRepliesExhaustedError);
    expect((err as MockRepliesExhaustedError).message).toContain('call #3');
    expect((err as MockRepliesExhaustedError).code).toBe('mock_replies_exhausted');
  });

  it('computes replies with respond(req) and scripts tool calls with generated ids', async () => {
    const p = mock({
      respond: (r, n) => ({ toolCalls: [{ name: 'echo', args: { text: r.messages[0].content, n } }, { id: 'fixed', name: 'noop', args: {} }] }),
    });
    const r = await p.complete(req('ping'));
    expect(r.finishReason).toBe('tool-calls');
    expect(r.toolCalls).toEqual([
      { id: 'call_1_1', name: 'echo', args: { text: 'ping', n: 1 } },
      { id: 'fixed', name: 'noop', args: {} },
    ]);
  });

  it('uses configured usage figures, per reply overriding the default', async () => {
    const p = mock({ replies: ['a', { text: 'b', usage: { outputTokens: 99, inputTokenDetails: { cacheReadTokens: 5 } } }], usage: { inputTokens: 10, outputTokens: 20 } });
    expect((await p.complete(req())).usage).toEqual({ inputTokens: 10, outputTokens: 20, totalTokens: 30 });
    expect((await p.complete(req())).usage).toEqual({ inputTokens: 10, outputTokens: 99, totalTokens: 109, inputTokenDetails: { noCacheTokens: 5, cacheReadTokens: 5 } });
  });

  it("cuts a reply longer than the request's maxTokens as a vendor would, and leaves one that fits alone", async () => {
    const p = mock({ replies: ['x'.repeat(100), { toolCalls: [{ name: 'echo', args: { text: 'y'.repeat(200) } }] }, { text: 'short', usage: { outputTokens: 900 } }, 'fits'] });
    expect(await p.complete({ ...req('abcd'), maxTokens: 10 })).toMatchObject({ text: 'x'.repeat(40), finishReason: 'length', usage: { inputTokens: 1, outputTokens: 10, totalTokens: 11 } });
    // A tool call cut off in its arguments is no call.
    expect(await p.complete({ ...req(), maxTokens: 10 })).toMatchObject({ text: '', toolCalls: [], finishReason: 'length', usage: { outputTokens: 10 } });
    // Scripted usage is cut too: a vendor never reports more output than it was allowed.
    expect(await p.complete({ ...req(), maxTokens: 300 })).toMatchObject({ text: 'short', finishReason: 'length', usage: { outputTokens: 300 } });
    expect(await p.complete({ ...req(), maxTokens: 1 })).toMatchObject({ text: 'fits', finishReason: 'stop', usage: { outputTokens: 1 } });
  });

  it('rejects ambiguous or empty configuration', () => {
    expect(() => mock({})).toThrow(ProviderConfigError);
    expect(() => mock({ reply: 'a', replies: ['b'] })).toThrow(ProviderConfigError);
    expect(() => mock({ reply: 'a', delayMs: -1 })).toThrow(ProviderConfigError);
  });

  it('delays and aborts mid-delay with the signal reason', async () => {
    const p = mock({ reply: 'late', delayMs: 5_000 });
    const ac = new AbortController();
    const started = Date.now();
    const pending = p.complete(req(), { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop now')), 20);
    await expect(pending).rejects.toThrow('stop now');
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('refuses to start when the signal is already aborted', async () => {
    const p = mock({ reply: 'x' });
    await expect(p.complete(req(), { signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
    expect(p.calls).toHaveLength(0);
  });

  it('streams text deltas then one final response', async () => {
    const p = mock({ reply: 'The quick brown fox', chunkSize: 5 });
    const events: StreamEvent[] = [];
    for await (const e of p.stream(req())) events.push(e);
    const deltas = events.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta);
    expect(deltas).toEqual(['The q', 'uick ', 'brown', ' fox']);
    const last = events.at(-1)!;
    expect(last.type).toBe('response');
    expect(last.type === 'response' && last.response.text).toBe('The quick brown fox');
  });

  it('keeps only the most recent requests but counts them all', async () => {
    const p = mock({ respond: (_r, n) => `reply ${n}`, keepCalls: 3 });
    for (let i = 1; i <= 5; i++) expect((await p.complete(req(`m${i}`))).text).toBe(`reply ${i}`);
    expect(p.callCount).toBe(5);
    expect(p.calls.map((c) => c.messages[0].content)).toEqual(['m3', 'm4', 'm5']);
  });

  it('keeps a copy of each request so later mutation does not rewrite history', async () => {
    const p = mock({ reply: 'ok' });
    const r = req('original');
    await p.complete(r);
    (r.messages[0] as { content: string }).content = 'changed';
    expect(p.calls[0].messages[0].content).toBe('original');
  });
});
