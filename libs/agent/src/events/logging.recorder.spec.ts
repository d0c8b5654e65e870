import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { mock, ProviderError, resilientProvider, type LLMProvider } from '@agentnest/providers';
import { Agent } from '../agent.js';
import { defineTool } from '../tools/tool.js';

const secretTool = defineTool({ name: 'lookup', description: 'x', inputSchema: { type: 'object' }, execute: () => 'private-result' });
const run = async (logging: Parameters<Agent['enable']['logging']>[0], provider: LLMProvider = mock({ replies: [{ toolCalls: [{ name: 'lookup', args: { q: 'private-arg' } }] }, 'private-reply'] })) => {
  const agent = Agent.create({ name: 'a', provider, model: 'm', tools: [secretTool], pricingTable: { m: { input: 1, output: 1 } } });
  agent.enable.logging(logging);
  await agent.run({ message: 'private-prompt', identity: { tenant: 't', conversationId: 'c' } });
};

describe('enable.logging', () => {
  it('writes chosen domains to a pino logger as JSON, fields first, without contents', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
    await run({ logger: pino(sink), domains: ['llm', 'tool', 'cost'] });
    expect(lines.map((l) => l.msg)).toEqual(['agent.llm.request', 'agent.llm.response', 'agent.cost.tick', 'agent.tool.start', 'agent.tool.end', 'agent.llm.request', 'agent.llm.response', 'agent.cost.tick']);
    expect(lines[1]).toMatchObject({ domain: 'llm', agent: 'a', iteration: 1, usage: expect.any(Object), finishReason: 'tool-calls' });
    expect(lines[1]).not.toHaveProperty('text');
    expect(JSON.stringify(lines)).not.toMatch(/private-/);
  });

  it('passes message first to console- or winston-shaped loggers, with contents when asked, and warns on fallbacks', async () => {
    const calls: Array<[string, string, Record<string, unknown>]> = [];
    const logger = { info: (m: string, f: Record<string, unknown>) => calls.push(['info', m, f]), warn: (m: string, f: Record<string, unknown>) => calls.push(['warn', m, f]), error: (m: string, f: Record<string, unknown>) => calls.push(['error', m, f]) };
    const failing = { name: 'down', complete: () => Promise.reject(new ProviderError('overloaded', 'down', 'busy', 503)) };
    const provider = resilientProvider({ providers: [failing, mock({ name: 'backup', reply: 'private-reply' })], retry: { maxAttempts: 1 } });
    await run({ logger, domains: ['run', 'resilience'], includeContent: true }, provider);
    expect(calls.map(([level, m]) => `${level} ${m}`)).toEqual(['info agent.run.start', 'warn agent.resilience', 'info agent.run.end']);
    expect(calls[0][2]).toMatchObject({ message: 'private-prompt' });
    expect(calls[2][2]).toMatchObject({ text: 'private-reply' });
  });
});
