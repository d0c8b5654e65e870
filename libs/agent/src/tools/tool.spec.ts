import { describe, expect, it, jest } from '@jest/globals';
import { validatorFor } from './tool.js';

describe('tool argument validation', () => {
  it('knows the standard formats (MCP schemas use them): validated, and no "unknown format" console noise', () => {
    const spies = (['log', 'warn', 'error'] as const).map((m) => jest.spyOn(console, m).mockImplementation(() => undefined));
    try {
      const validate = validatorFor({ type: 'object', properties: { when: { type: 'string', format: 'date-time' }, who: { type: 'string', format: 'email' }, id: { type: 'string', format: 'uuid' } } });
      expect(validate({ when: '2026-11-26T12:00:00Z', who: 'a@example.com', id: '0f8b8f36-6b7e-4a5e-9b40-5d1b1c1f2d3e' })).toBe(true);
      expect(validate({ when: 'yesterday' })).toBe(false);
      expect(validate({ who: 'not an email' })).toBe(false);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('two pauses in one turn', () => {
  it('pauses on the first; the second is answered with a pause_conflict error the model sees after the resume', async () => {
    const { mock } = await import('@agentnest/providers');
    const { Agent } = await import('../agent.js');
    const { askHuman } = await import('./ask-human.js');
    const provider = mock({
      respond: (req) => (req.messages.some((m) => m.role === 'tool') ? 'done' : { toolCalls: [{ name: 'askHuman', args: { question: 'first?' } }, { name: 'askHuman', args: { question: 'second?' } }] }),
    });
    const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [askHuman], checkpointSecret: 'two-pauses-secret-0123456789abcdef01' });
    const paused = await agent.run({ message: 'ask me twice' });
    expect(paused).toMatchObject({ status: 'paused', pauseData: { question: 'first?' } });
    if (paused.status !== 'paused') return;
    expect(await agent.resume(paused.checkpoint, 'yes')).toMatchObject({ status: 'completed', text: 'done' });
    const results = provider.calls.at(-1)!.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(results).toEqual(['yes', expect.stringMatching(/^Error \(pause_conflict\): another tool paused this turn/)]);
  });
});
