import { loadPeer, MissingPeerDependencyError } from '@agentnest/providers';
import { AgentError } from '../agent.errors.js';
import { defineTool, type Tool } from '../tools/tool.js';
import { toolDescription } from './tool-description.js';
import { argumentSchema, assertServerName, boundedTools, distinctTools, namespaced, unwrapResult, type McpToolResult, type McpToolSource } from './mcp-tool-source.js';

export type McpTransportOptions =
  /** A local server started as a child process, spoken to over stdin/stdout. */
  | { type: 'stdio'; command: string; args?: string[]; env?: Record<string, string>; cwd?: string }
  /** A remote server over MCP's streamable HTTP transport. */
  | { type: 'http'; url: string; headers?: Record<string, string> };

export interface McpClientOptions {
  name: string;
  transport: McpTransportOptions;
  /** Per tool call; @default 60000 */
  timeoutMs?: number;
}

// The slices of @modelcontextprotocol/sdk used here (loaded on first connect: it is an optional peer).
interface SdkTool {
  name: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
}
interface SdkClient {
  connect(transport: unknown): Promise<void>;
  listTools(params?: { cursor?: string }): Promise<{ tools: SdkTool[]; nextCursor?: string }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }, resultSchema?: unknown, options?: { signal?: AbortSignal; timeout?: number }): Promise<McpToolResult>;
  setNotificationHandler(schema: unknown, handler: () => void): void;
  close(): Promise<void>;
}
type ClientModule = { Client: new (info: { name: string; version: string }, options: { capabilities: object }) => SdkClient };
type StdioModule = { StdioClientTransport: new (params: { command: string; args?: string[]; env?: Record<string, string>; cwd?: string; stderr?: 'ignore' | 'inherit' | 'pipe' }) => unknown };
type HttpModule = { StreamableHTTPClientTransport: new (url: URL, opts?: { requestInit?: { headers?: Record<string, string> } }) => unknown };
type TypesModule = { ToolListChangedNotificationSchema: unknown };

const SDK = '@modelcontextprotocol/sdk';

/** Loads a module of the SDK; a missing SDK is reported as the package to install, not the subpath. */
async function sdk<T>(path: string): Promise<T> {
  try {
    return await loadPeer<T>(`${SDK}/${path}`, 'mcpClient');
  } catch (err) {
    if (err instanceof MissingPeerDependencyError) throw new MissingPeerDependencyError(SDK, 'mcpClient');
    throw err;
  }
}

/** An MCP server's tools for an agent, through the official SDK: listed on connect, namespaced, refreshed on `tools/list_changed`. */
class McpClient implements McpToolSource {
  readonly name: string;
  private client?: SdkClient;
  private current: Tool[] = [];
  private refreshing?: Promise<void>;
  private readonly signatures = new WeakMap<Tool, string>();

  constructor(private readonly options: McpClientOptions) {
    assertServerName(options.name);
    this.name = options.name;
    const t = options.transport;
    if (t?.type === 'stdio' ? !t.command : t?.type === 'http' ? !/^https?:\/\//.test(t.url) : true) {
      throw new AgentError('invalid_mcp_transport', `MCP server "${options.name}": transport must be {type:'stdio', command} or {type:'http', url}`);
    }
  }

  async connect(): Promise<void> {
    const [{ Client }, types] = await Promise.all([sdk<ClientModule>('client/index.js'), sdk<TypesModule>('types.js')]);
    const client = new Client({ name: 'agentnest', version: '0.1.0' }, { capabilities: {} });
    client.setNotificationHandler(types.ToolListChangedNotificationSchema, () => void this.refresh());
    await client.connect(await this.transport());
    this.client = client;
    await this.refresh();
  }

  tools(): Tool[] {
    return this.current;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.current = [];
    await client?.close();
  }

  private async transport(): Promise<unknown> {
    const t = this.options.transport;
    if (t.type === 'stdio') {
      const { StdioClientTransport } = await sdk<StdioModule>('client/stdio.js');
      // The server's stderr is its log, not ours to print; PATH is passed so `node`/`npx` resolve.
      return new StdioClientTransport({ command: t.command, args: t.args, env: { PATH: process.env.PATH ?? '', ...t.env }, cwd: t.cwd, stderr: 'ignore' });
    }
    const { StreamableHTTPClientTransport } = await sdk<HttpModule>('client/streamableHttp.js');
    return new StreamableHTTPClientTransport(new URL(t.url), { requestInit: { headers: t.headers } });
  }

  /** Re-lists the server's tools (all pages); overlapping notifications share one listing. */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const listed: SdkTool[] = [];
        let cursor: string | undefined;
        do {
          const page = await this.client!.listTools(cursor ? { cursor } : undefined);
          listed.push(...page.tools);
          cursor = page.nextCursor;
        } while (cursor);
        // An unchanged tool keeps its Tool object, so its argument validator is not compiled again.
        const previous = new Map(this.current.map((t) => [this.signatures.get(t), t]));
        this.current = distinctTools(this.name, boundedTools(this.name, listed)).map((t) => {
          const signature = JSON.stringify(t);
          const tool = previous.get(signature) ?? this.wrap(t);
          this.signatures.set(tool, signature);
          return tool;
        });
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private wrap(tool: SdkTool): Tool {
    return defineTool({
      name: namespaced(this.name, tool.name),
      description: toolDescription(this.name, tool),
      inputSchema: argumentSchema(tool.inputSchema),
      execute: async (args, ctx) => {
        const client = this.client;
        if (!client) throw new AgentError('mcp_closed', `MCP server "${this.name}" is not connected`);
        return unwrapResult(await client.callTool({ name: tool.name, arguments: args }, undefined, { signal: ctx.signal, timeout: this.options.timeoutMs ?? 60_000 }));
      },
    });
  }
}

/** Connects an agent to an MCP server (stdio or streamable HTTP); needs `@modelcontextprotocol/sdk` installed. */
export function mcpClient(options: McpClientOptions): McpToolSource {
  return new McpClient(options);
}
