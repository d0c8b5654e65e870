import { describe, expect, it } from '@jest/globals';
import { mock } from './mock/mock.provider.js';
import { withModel } from './with-model.js';

describe('withModel', () => {
  it('overrides the model of complete and stream requests', async () => {
    const inner = mock({ reply: 'ok' });
    const p = withModel(inner, 'gpt-x');
    expect((await p.complete({ model: 'claude-y', messages: [{ role: 'user', content: 'hi' }] })).model).toBe('gpt-x');
    for await (const e of p.stream!({ model: 'claude-y', messages: [{ role: 'user', content: 'hi' }] })) if (e.type === 'response') expect(e.response.model).toBe('gpt-x');
    expect(inner.calls.map((c) => c.model)).toEqual(['gpt-x', 'gpt-x']);
    expect(p.name).toBe('mock');
  });
});
