import { describe, expect, it } from '@jest/globals';
import type { LLMMessage } from '@agentnest/providers';
import { describeToolWork, historyFor } from './history-view.js';

const call = (id: string, name: string, args: Record<string, unknown> = {}) => ({ id, name, args });

describe('historyFor', () => {
  const history: LLMMessage[] = [
    { role: 'user', content: 'invoice 42?' },
    { role: 'assistant', content: '', toolCalls: [call('call_1', 'transfer_to_billing', { reason: 'invoice' })], agent: 'triage' },
    { role: 'tool', toolCallId: 'call_1', name: 'transfer_to_billing', content: 'Transferred to billing.' },
    // Another model numbered its calls from 1 too: ids repeat across agents.
    { role: 'assistant', content: 'Looking.', toolCalls: [call('call_1', 'invoice', { number: 42 })], agent: 'billing' },
    { role: 'tool', toolCallId: 'call_1', name: 'invoice', content: 'invoice 42: $30' },
    { role: 'assistant', content: 'It is $30.', agent: 'billing' },
  ];

  it('leaves history alone when every tool it names is declared', () => {
    expect(historyFor(history, new Set(['transfer_to_billing', 'invoice']))).toBe(history);
  });

  it("turns another agent's tool calls into text with their own results, and merges the assistant messages around them", () => {
    expect(historyFor(history, new Set(['invoice']))).toEqual([
      { role: 'user', content: 'invoice 42?' },
      { role: 'assistant', content: '[transfer_to_billing({"reason":"invoice"}) → Transferred to billing.]\n\nLooking.', toolCalls: [call('call_1', 'invoice', { number: 42 })], agent: 'billing' },
      { role: 'tool', toolCallId: 'call_1', name: 'invoice', content: 'invoice 42: $30' },
      { role: 'assistant', content: 'It is $30.', agent: 'billing' },
    ]);
    const none = historyFor(history, new Set());
    expect(none.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(none[1].content).toBe('[transfer_to_billing({"reason":"invoice"}) → Transferred to billing.]\n\nLooking.\n[invoice({"number":42}) → invoice 42: $30]\n\nIt is $30.');
  });

  it('describes tool work with each call matched to the results right after it, long results clipped', () => {
    const long = 'x'.repeat(1500);
    expect(describeToolWork([{ role: 'assistant', content: '', toolCalls: [call('a', 'read'), call('b', 'gone')] }, { role: 'tool', toolCallId: 'a', name: 'read', content: long }])).toEqual([`read({}) → ${'x'.repeat(1000)}…`, 'gone({}) → (no result)']);
  });
});
