import { defineTool, type Tool } from '../tools/tool.js';
import { toolDescription } from './tool-description.js';
import { argumentSchema, assertServerName, boundedTools, distinctTools, namespaced, unwrapResult, type McpToolResult, type McpToolSource } from './mcp-tool-source.js';

export interface MockMcpTool {
  name: string;
  description?: string;
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

  constructor(options: { name: string; tools: MockMcpTool[] }) {
    assertServerName(options.name);
    this.name = options.name;
    this.definitions = options.tools;
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
    this.current = distinctTools(this.name, boundedTools(this.name, tools)).map((t) =>
      defineTool({
        name: namespaced(this.name, t.name),
        description: toolDescription(this.name, t),
        inputSchema: argumentSchema(t.inputSchema),
        execute: async (args) => {
          const result = await t.handler(args);
          return unwrapResult(typeof result === 'string' ? { content: [{ type: 'text', text: result }] } : result);
        },
      }),
    );
  }

  async close(): Promise<void> {
    this.connected = false;
    this.current = [];
  }
}

export function mockMcpClient(options: { name: string; tools: MockMcpTool[] }): McpToolSource & { setTools(tools: MockMcpTool[]): void } {
  return new MockMcpClient(options);
}
