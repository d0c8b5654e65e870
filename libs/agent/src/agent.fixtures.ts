import type { LLMRequest } from '@agentnest/providers';
import type { RunResult } from './run/agent.types.js';
import { defineTool } from './tools/tool.js';

// What the Agent specs share (not shipped: *.fixtures.ts stays out of the build).

export const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };

export const echo = defineTool<{ text: string }>({
  name: 'echo',
  description: 'Echo text back',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
  execute: ({ text }) => `echo:${text}`,
});

export const completed = (r: RunResult) => {
  if (r.status !== 'completed') throw new Error(`expected completed, got ${r.status}`);
  return r;
};

export function lastToolResults(req: LLMRequest) {
  return req.messages.filter((m) => m.role === 'tool');
}
