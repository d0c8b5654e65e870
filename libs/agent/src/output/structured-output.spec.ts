import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { mock } from '@agentnest/providers';
import { InMemoryStore } from '@agentnest/memory';
import { Agent } from '../agent.js';
import { AgentConfigError } from '../errors/agent.errors.js';
import type { AgentEvent } from '../events/agent-event.js';
import { OutputInvalidError } from '../errors/agent.errors.js';

const schema = { type: 'object', properties: { city: { type: 'string' }, tempC: { type: 'number' } }, required: ['city', 'tempC'], additionalProperties: false };
const identity = { tenant: 't', principal: 'p', conversationId: 'c' };
const completed = async (agent: Agent, input: Parameters<Agent['run']>[0]) => {
  const r = await agent.run(input);
  if (r.status !== 'completed') throw new Error(r.status);
  return r;
};

describe('structured output', () => {
  it('serves a valid reply as is (model tier), telling the model the schema', async () => {
    const provider = mock({ reply: 'Here you go:\n```json\n{"city":"Oslo","tempC":4}\n```' });
    const r = await completed(Agent.create({ name: 'a', provider, model: 'm' }), { message: 'weather?', outputSchema: schema });
    expect(r).toMatchObject({ output: { city: 'Oslo', tempC: 4 }, outputTier: 'model', text: '{"city":"Oslo","tempC":4}' });
    expect(provider.calls[0].system).toContain('"required":["city","tempC"]');
  });

  it('repairs once with the validation errors, and remembers only the clean JSON', async () => {
    const memory = new InMemoryStore();
    const provider = mock({ replies: ['{"city":"Oslo","tempC":"cold"}', '{"city":"Oslo","tempC":-2}'] });
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider, model: 'm', memory });
    agent.attach({ onEvent: (e) => events.push(e) });
    const r = await completed(agent, { message: 'weather?', identity, outputSchema: schema });
    expect(r).toMatchObject({ output: { city: 'Oslo', tempC: -2 }, outputTier: 'repair', iterations: 2 });
    const repair = provider.calls[1].messages.at(-1)!;
    expect(repair).toMatchObject({ role: 'user', content: expect.stringContaining('/tempC must be number') });
    expect(provider.calls[1].toolChoice).toBeUndefined(); // no tools declared
    expect((await memory.load(identity)).map((m) => m.content)).toEqual(['weather?', '{"city":"Oslo","tempC":-2}']);
    expect(events.find((e) => e.type === 'output')).toMatchObject({ tier: 'repair', failures: [expect.stringMatching(/^model: /)] });
  });

  it('falls back to the user fallback, then to the canned value, each validated', async () => {
    const bad = () => mock({ reply: 'no idea' });
    const fallback = (err: OutputInvalidError, raw: string) => ({ city: `from fallback (${raw})`, tempC: err.errors.length });
    const viaFallback = await completed(Agent.create({ name: 'a', provider: bad(), model: 'm', output: { schema, fallback } }), { message: 'x' });
    expect(viaFallback).toMatchObject({ outputTier: 'fallback', output: { city: 'from fallback (no idea)', tempC: 1 } });

    const canned = { city: 'unknown', tempC: 0 };
    const brokenFallback = () => ({ city: 42 });
    const viaCanned = await completed(Agent.create({ name: 'a', provider: bad(), model: 'm', output: { schema, fallback: brokenFallback, canned } }), { message: 'x' });
    expect(viaCanned).toMatchObject({ outputTier: 'canned', output: canned });
    const throwing = () => {
      throw new Error('fallback down');
    };
    expect(await completed(Agent.create({ name: 'a', provider: bad(), model: 'm', output: { schema, fallback: throwing, canned } }), { message: 'x' })).toMatchObject({ outputTier: 'canned' });
  });

  it('fails with a typed error when no tier serves, writing nothing', async () => {
    const memory = new InMemoryStore();
    const events: AgentEvent[] = [];
    const agent = Agent.create({ name: 'a', provider: mock({ reply: '{"city":1}' }), model: 'm', memory });
    agent.attach({ onEvent: (e) => events.push(e) });
    await expect(agent.run({ message: 'x', identity, outputSchema: schema })).rejects.toMatchObject({ code: 'output_invalid', raw: '{"city":1}' });
    expect(await memory.load(identity)).toEqual([]);
    expect(events.find((e) => e.type === 'output')).toMatchObject({ tier: 'none' });
  });

  it('checks the canned value against the schema when the agent is built, and rejects bad schemas', async () => {
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', output: { schema, canned: { city: 'x' } } })).toThrow(AgentConfigError);
    expect(() => Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm', output: { schema: { type: 'no-such-type' } } })).toThrow(AgentConfigError);
    await expect(Agent.create({ name: 'a', provider: mock({ reply: 'x' }), model: 'm' }).run({ message: 'x', outputSchema: { type: 12 } })).rejects.toMatchObject({ code: 'invalid_output_schema' });
  });

  it('accepts a zod schema, using its parsed value', async () => {
    const Weather = z.object({ city: z.string(), tempC: z.coerce.number() });
    const provider = mock({ reply: '{"city":"Rome","tempC":"21"}' });
    const r = await completed(Agent.create({ name: 'a', provider, model: 'm', output: { schema: Weather } }), { message: 'x' });
    expect(r).toMatchObject({ outputTier: 'model', output: { city: 'Rome', tempC: 21 } });
    expect(provider.calls[0].system).toContain('"city"');
  });
});
