import { describe, expect, it } from '@jest/globals';
import type { RunStreamEvent } from '../../streams/run-events.js';
import { UiMessageChunks } from './ui-message-chunks.js';

const run = (events: RunStreamEvent[], pauseIsFinal = true) => {
  const chunks = new UiMessageChunks('r1', 'm1');
  return [...chunks.start(), ...events.flatMap((e) => chunks.next(e, pauseIsFinal))].map((c) => c.type);
};

describe('UiMessageChunks', () => {
  it('writes steps, tool parts and text in protocol order, and finishes with the usage', () => {
    const chunks = new UiMessageChunks('r1', 'm1');
    const out = [
      ...chunks.start(),
      ...[
        { type: 'status', status: 'running' },
        { type: 'step' },
        { type: 'tool.start', toolCallId: 't1', tool: 'clock', args: {} },
        { type: 'tool.end', toolCallId: 't1', tool: 'clock', result: 'noon', isError: false },
        { type: 'step' },
        { type: 'text', delta: 'It is ' },
        { type: 'text', delta: 'noon.' },
        { type: 'status', status: 'completed', text: 'It is noon.', usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } },
      ].flatMap((e) => chunks.next(e as RunStreamEvent)),
    ];
    expect(out.map((c) => c.type)).toEqual(['start', 'start-step', 'tool-input-available', 'tool-output-available', 'finish-step', 'start-step', 'text-start', 'text-delta', 'text-delta', 'text-end', 'finish-step', 'finish']);
    expect(out.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', messageMetadata: { runId: 'r1', status: 'completed', usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } } });
    expect(chunks.done).toBe(true);
  });

  it("finishes with the model's own finish reason when the run has one (a reply cut at the token limit is 'length')", () => {
    const chunks = new UiMessageChunks('r1', 'm1');
    const out = [...chunks.start(), ...chunks.next({ type: 'status', status: 'completed', text: 'cut', finishReason: 'length' }, true)];
    expect(out.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
  });

  it('sends the reply as text when the provider streamed none', () => {
    expect(run([{ type: 'step' }, { type: 'status', status: 'completed', text: 'whole' }])).toEqual(['start', 'start-step', 'text-start', 'text-delta', 'text-end', 'finish-step', 'finish']);
  });

  it('shows an approval as a tool call with an approval request, and a denial as a denied call', () => {
    const requested: RunStreamEvent[] = [{ type: 'step' }, { type: 'approval.requested', approvalId: 'a1', toolCallId: 't1', tool: 'refund', args: { amount: 5 }, expiresAt: '2026-11-27T00:00:00Z' }, { type: 'status', status: 'paused', pauseData: { kind: 'approval' }, toolCallId: 't1' }];
    expect(run(requested)).toEqual(['start', 'start-step', 'tool-input-available', 'tool-approval-request', 'data-agentnest-approval', 'finish-step', 'finish']);
    // Replayed after the run went on, the pause is not the end.
    const decided: RunStreamEvent[] = [...requested, { type: 'approval.decided', approvalId: 'a1', toolCallId: 't1', decision: 'deny', by: 'bob', reason: 'no' }, { type: 'tool.end', toolCallId: 't1', tool: 'refund', result: 'denied by bob: no', isError: false }, { type: 'step' }, { type: 'text', delta: 'ok' }, { type: 'status', status: 'completed', text: 'ok' }];
    expect(run(decided, false)).toEqual(['start', 'start-step', 'tool-input-available', 'tool-approval-request', 'data-agentnest-approval', 'tool-approval-response', 'tool-output-denied', 'finish-step', 'start-step', 'text-start', 'text-delta', 'text-end', 'finish-step', 'finish']);
  });

  it('continues an approved call on the part that asked, with no new step or input', () => {
    const approved: RunStreamEvent[] = [{ type: 'approval.decided', approvalId: 'a1', toolCallId: 't1', decision: 'approve', by: 'bob' }, { type: 'status', status: 'running' }, { type: 'tool.start', toolCallId: 't1', tool: 'refund', args: {} }, { type: 'tool.end', toolCallId: 't1', tool: 'refund', result: 'done', isError: false }, { type: 'step' }, { type: 'status', status: 'completed', text: 'ok' }];
    expect(run(approved)).toEqual(['start', 'tool-approval-response', 'tool-output-available', 'start-step', 'text-start', 'text-delta', 'text-end', 'finish-step', 'finish']);
  });

  it('shows a failed tool call as a tool error part', () => {
    expect(run([{ type: 'step' }, { type: 'tool.start', toolCallId: 't1', tool: 'mcp_fetch', args: {} }, { type: 'tool.end', toolCallId: 't1', tool: 'mcp_fetch', result: 'Error: refused', isError: true }])).toEqual(['start', 'start-step', 'tool-input-available', 'tool-output-error']);
  });

  it('ends a failed run with an error part and a cancelled one with an abort', () => {
    expect(run([{ type: 'step' }, { type: 'status', status: 'failed', error: { code: 'provider_error', message: 'down' } }])).toEqual(['start', 'start-step', 'error', 'finish-step', 'finish']);
    expect(run([{ type: 'status', status: 'cancelled' }])).toEqual(['start', 'abort', 'finish']);
  });
});
