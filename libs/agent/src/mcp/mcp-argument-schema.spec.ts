import { describe, expect, it, jest } from '@jest/globals';
import { Agent } from '../agent.js';
import { mock, type LLMRequest } from '@agentnest/providers';
import { mockMcpClient } from './mock-mcp-client.js';

// A server's argument schemas are hostile input: compiled as such, or the tool is dropped.

describe("an MCP server's argument schemas", () => {
  it('keeps draft-07 and 2020-12 tools, drops a refused schema with a warning, and validates on RE2', async () => {
    const warned = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const source = mockMcpClient({
        name: 'srv',
        tools: [
          { name: 'sdk', inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { a: { type: 'number' } }, required: ['a'] }, handler: () => 'ok' },
          { name: 'zod4', inputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } }, $defs: { x: { type: 'string' } } }, handler: () => 'ok' },
          { name: 'remote', inputSchema: { type: 'object', properties: { x: { $ref: 'https://attacker.example/schema.json' } } }, handler: () => 'ok' },
          { name: 'dynamic', inputSchema: { type: 'object', $dynamicRef: '#meta' }, handler: () => 'ok' },
        ],
      });
      await source.connect();
      expect(source.tools().map((t) => t.name)).toEqual(['srv__sdk', 'srv__zod4']);
      expect(warned.mock.calls.map(([, o]) => (o as { code: string }).code)).toEqual(['AGENTNEST_MCP_TOOL_SCHEMA_REFUSED', 'AGENTNEST_MCP_TOOL_SCHEMA_REFUSED']);
      expect(String(warned.mock.calls[0][0])).toMatch(/^MCP server "srv": tool "remote" dropped: its argument schema was refused: /);

      // A catastrophic-backtracking pattern on a long input answers at once (RE2, not the JS engine).
      const calls = [{ name: 'srv__zod4', args: { s: `${'a'.repeat(40)}!` } }, { name: 'srv__sdk', args: { a: 'x' } }];
      const provider = mock({ respond: (req: LLMRequest) => (req.messages.at(-1)!.role === 'tool' ? req.messages.filter((m) => m.role === 'tool').map((m) => m.content).join(' | ') : { toolCalls: calls }) });
      const started = performance.now();
      const r = await Agent.create({ name: 'a', provider, model: 'm', tools: source.tools() }).run({ message: 'go' });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(r.status === 'completed' && r.text).toBe('Error: invalid arguments for srv__zod4: /s must match pattern "^(a+)+$" | Error: invalid arguments for srv__sdk: /a must be number');
    } finally {
      warned.mockRestore();
    }
  });
});
