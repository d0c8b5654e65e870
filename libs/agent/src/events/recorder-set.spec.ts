import { describe, expect, it } from '@jest/globals';
import type { AgentEvent, Recorder } from './agent-event.js';
import { RecorderSet } from './recorder-set.js';

const event = { type: 'llm.request', runId: 'r', agent: 'a', at: 0, iteration: 1, model: 'm', messageCount: 1, toolCount: 0 } as AgentEvent;

describe('RecorderSet.scope', () => {
  it('runs the work once inside every recorder scope, and a broken scope never breaks the call', () => {
    const order: string[] = [];
    const set = new RecorderSet();
    const wrapping = (name: string): Recorder => ({ onEvent: () => undefined, scope: (_e, work) => (order.push(`${name}>`), work()) });
    set.add(wrapping('outer'));
    set.add({ onEvent: () => undefined, scope: () => { throw new Error('recorder bug'); } });
    set.add(wrapping('inner'));
    set.add({ onEvent: () => undefined });
    let calls = 0;
    expect(set.scope(event, () => ++calls)).toBe(1);
    expect(calls).toBe(1);
    expect(order).toEqual(['inner>', 'outer>']);
  });

  it('passes the work\'s own error through, without running it again', () => {
    const set = new RecorderSet();
    set.add({ onEvent: () => undefined, scope: (_e, work) => work() });
    let calls = 0;
    expect(() => set.scope(event, () => { calls++; throw new Error('provider down'); })).toThrow('provider down');
    expect(calls).toBe(1);
  });
});
