import { describe, expect, it } from '@jest/globals';
import { mock, mockEmbedder } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { Agent } from './agent.js';
import type { RunResult } from './run/agent.types.js';
import { AgentConfigError } from './errors/agent.errors.js';
import { NarrativeRecorder } from './events/narrative.recorder.js';

const completed = (r: RunResult) => {
  if (r.status !== 'completed') throw new Error(`expected completed, got ${r.status}`);
  return r;
};

describe('semantic recall', () => {
  it('recalls a fact from an old conversation in a new one for the same principal, never for another tenant', async () => {
    const memory = new InMemoryStore();
    const provider = mock({ respond: (req) => (req.system?.includes('favourite colour is green') ? 'Your favourite colour is green.' : 'I do not know.') });
    const agent = () => Agent.create({ name: 'r', provider, model: 'm', memory, recall: { embedder: mockEmbedder(), k: 2 } });
    const narrative = new NarrativeRecorder();

    await agent().run({ message: 'My favourite colour is green, by the way.', identity: { tenant: 'acme', principal: 'alice', conversationId: 'old' } });
    await agent().run({ message: 'Quarterly revenue grew ten percent.', identity: { tenant: 'acme', principal: 'alice', conversationId: 'other' } });

    const a = agent();
    a.attach(narrative);
    const same = completed(await a.run({ message: 'What is my favourite colour?', identity: { tenant: 'acme', principal: 'alice', conversationId: 'new' } }));
    expect(same.text).toBe('Your favourite colour is green.');
    expect(narrative.lines).toContain('Recalled 1 related message from earlier conversations');
    expect(provider.calls.at(-1)!.system).toContain('- user: My favourite colour is green, by the way.');
    expect(provider.calls.at(-1)!.system).not.toContain('Quarterly revenue');

    const otherTenant = completed(await agent().run({ message: 'What is my favourite colour?', identity: { tenant: 'globex', principal: 'alice', conversationId: 'new' } }));
    expect(otherTenant.text).toBe('I do not know.');
    expect(provider.calls.at(-1)!.system ?? '').not.toContain('green');
    const otherPrincipal = completed(await agent().run({ message: 'What is my favourite colour?', identity: { tenant: 'acme', principal: 'bob', conversationId: 'new' } }));
    expect(otherPrincipal.text).toBe('I do not know.');
  });

  it('needs a searchable store', () => {
    const unsearchable = { name: 'x', load: async () => [], append: async () => {}, clear: async () => {}, forgetTenant: async () => 0, forgetPrincipal: async () => 0 };
    expect(() => Agent.create({ name: 'r', provider: mock({ reply: 'x' }), model: 'm', memory: unsearchable, recall: { embedder: mockEmbedder() } })).toThrow(AgentConfigError);
  });
});
