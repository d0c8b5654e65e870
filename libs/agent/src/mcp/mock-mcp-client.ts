import { defineTool, useValidator, type Tool } from '../tools/tool.js';
import { admittedTools } from './mcp-argument-schema.js';
import { withinLimit } from './mcp-call-errors.js';
import type { McpServerStatus } from './mcp-server-status.js';
import { assertServerName, boundedTools, DEFAULT_MAX_RESULT_BYTES, distinctTools, namespaced, resultText, unwrapResult, type McpToolResult, type McpToolSource } from './mcp-tool-source.js';
import { toolDescription } from './tool-description.js';

/** A tool of a mock MCP server, with the handler that answers its calls. */
export interface MockMcpTool {
  /** The tool's name on the server (the model sees it namespaced). */
  name: string;
  /** What the server says the tool does. */
  description?: string;
  /** JSON Schema of its arguments, checked as a real server's would be. */
  inputSchema?: Record<string, unknown>;
  /** Returns text, or a full MCP result (`{content, isError}`); a throw behaves like a protocol error. */
  handler(args: Record<string, unknown>): string | McpToolResult | Promise<string | McpToolResult>;
}

/** An in-memory MCP server: the same namespacing, validation and result mapping as `mcpClient`, no SDK needed. */
class MockMcpClient implements McpToolSource {
  readonly name: string;
  private current: Tool[] = [];
  private connected = false;
  private definitions: MockMcpTool[];
  private readonly maxResultBytes: number;

  constructor(options: { name: string; tools: MockMcpTool[]; maxResultBytes?: number }) {
    assertServerName(options.name);
    this.name = options.name;
    this.definitions = options.tools;
    this.maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
  }

  status(): McpServerStatus {
    return { server: this.name, state: this.connected ? 'connected' : 'closed', reconnects: 0 };
  }

  async connect(): Promise<void> {
    this.connected = true;
    this.setTools(this.definitions);
  }

  tools(): Tool[] {
    return this.current;
  }

  /** Replaces the tool list, as a server's `tools/list_changed` would. */
  setTools(tools: MockMcpTool[]): void {
    this.definitions = tools;
    if (!this.connected) return;
    const admitted = admittedTools(this.name, boundedTools(this.name, tools));
    const kept = new Set(distinctTools(this.name, admitted.map((a) => a.tool)));
    this.current = admitted
      .filter((a) => kept.has(a.tool))
      .map(({ tool: t, schema, validate }) => {
        useValidator(schema, validate);
        return defineTool({
          name: namespaced(this.name, t.name),
          description: toolDescription(this.name, t),
          inputSchema: schema,
          execute: async (args) => {
            const returned = await t.handler(args);
            const result = typeof returned === 'string' ? { content: [{ type: 'text', text: returned }] } : returned;
            withinLimit(this.name, resultText(result), this.maxResultBytes);
            return unwrapResult(result);
          },
        });
      });
  }

  async close(): Promise<void> {
    this.connected = false;
    this.current = [];
  }
}

/** An MCP server in memory for tests: its tools go through the same namespacing, validation and limits as `mcpClient`'s. */
export function mockMcpClient(options: { name: string; tools: MockMcpTool[]; maxResultBytes?: number }): McpToolSource & {
  /** Replaces the tool list, as a server's `tools/list_changed` would. */
  setTools(tools: MockMcpTool[]): void;
} {
  return new MockMcpClient(options);
}
