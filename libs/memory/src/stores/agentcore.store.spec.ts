import { describe, expect, it } from '@jest/globals';
import { describeMemoryStore } from '../testing/describe-memory-store.js';
import { CrossTenantAccessError } from '../memory.errors.js';
import { AgentCoreStore } from './agentcore.store.js';
import { agentCoreFixture } from './agentcore.fixtures.js';

const { fake, fresh } = agentCoreFixture();

describeMemoryStore('AgentCoreStore', { create: fresh });
// The property run (5,000 signed HTTP round trips) is in agentcore.store.int.spec.ts, with the suites that take minutes.

describe('AgentCoreStore specifics', () => {
  it('maps identities onto valid actor and session ids, distinct for hostile values', () => {
    const actors = new Set([AgentCoreStore.actorId('a:b', 'c'), AgentCoreStore.actorId('a', 'b:c'), AgentCoreStore.actorId(undefined, 'p'), AgentCoreStore.actorId('', 'p'), AgentCoreStore.actorId('x'.repeat(256), '日本')]);
    expect(actors.size).toBe(5);
    for (const a of actors) expect(a).toMatch(/^t[A-Za-z0-9_-]{43}\/p[A-Za-z0-9_-]{43}$/);
    expect(AgentCoreStore.sessionId('c'.repeat(256))).toMatch(/^s[A-Za-z0-9_-]{43}$/);
  });

  it('writes conversational items for AgentCore strategies and the full record as a blob', async () => {
    const store = fresh();
    await store.append({ tenant: 'acme', principal: 'alice', conversationId: 'c' }, [
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: '', toolCalls: [{ id: 't', name: 'clock', args: {} }] },
    ]);
    const [event] = fake.memories.get('mem-test')!;
    expect(event.payload).toEqual([
      { conversational: { role: 'USER', content: { text: 'hello' } } },
      { blob: expect.objectContaining({ v: 1, identity: { tenant: 'acme', principal: 'alice', conversationId: 'c' } }) },
    ]);
  });

  it('refuses an event whose recorded identity is not the reader’s', async () => {
    const store = fresh();
    const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c' };
    await store.append(alice, [{ role: 'user', content: 'mine' }]);
    const [event] = fake.memories.get('mem-test')!;
    (event.payload[0] as unknown) = { blob: { v: 1, identity: { tenant: 'globex', principal: 'alice', conversationId: 'c' }, order: '0', messages: [{ role: 'user', content: 'globex secret' }] } };
    await expect(store.load(alice)).rejects.toBeInstanceOf(CrossTenantAccessError);
  });
});
