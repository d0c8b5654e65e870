import { AgentError } from '../errors/agent.errors.js';
import { defineTool, useValidator, type Tool } from '../tools/tool.js';
import { admittedTools, type AdmittedTool } from './mcp-argument-schema.js';
import { callFailure, McpUnavailableError, withinLimit } from './mcp-call-errors.js';
import { McpReconnector, type ReconnectOptions } from './mcp-reconnector.js';
import type { McpServerStatus } from './mcp-server-status.js';
import { assertServerName, boundedTools, MAX_MCP_TOOLS, MAX_TOOL_LIST_PAGES, DEFAULT_MAX_RESULT_BYTES, distinctTools, namespaced, resultText, unwrapResult, type McpToolResult, type McpToolSource } from './mcp-tool-source.js';
import type { Timers } from './reconnect-backoff.js';
import { sdk } from './mcp-sdk.js';
import { openTransport, type McpTransportOptions } from './mcp-transport.js';
import { toolDescription } from './tool-description.js';

/** Which MCP server mcpClient connects to, and its limits. */
export interface McpClientOptions {
  /** Namespaces the server's tools (`<name>__<tool>`) and names it in status and errors: 1-24 letters, digits or -. */
  name: string;
  /** How to reach the server: a child process over stdio, or streamable HTTP. */
  transport: McpTransportOptions;
  /** How long a tool call may take; @default 60000 */
  timeoutMs?: number;
  /** The largest tool result, as the server's JSON-RPC message; a larger one is a `mcp_result_too_large` tool error. @default 262144 */
  maxResultBytes?: number;
  /** Backoff after the server is lost: 0.5 s doubling to 30 s with jitter, without end by default. */
  reconnect?: ReconnectOptions;
  /** @internal tests drive the backoff with these instead of waiting */
  timers?: Timers;
}

// The slices of @modelcontextprotocol/sdk used here (loaded on first connect: it is an optional peer).
interface SdkTool {
  name: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
}
interface SdkClient {
  connect(transport: unknown, options?: { timeout?: number }): Promise<void>;
  listTools(params?: { cursor?: string }, options?: { timeout?: number }): Promise<{ tools: SdkTool[]; nextCursor?: string }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }, resultSchema?: unknown, options?: { signal?: AbortSignal; timeout?: number }): Promise<McpToolResult>;
  setNotificationHandler(schema: unknown, handler: () => void): void;
  close(): Promise<void>;
  onclose?: () => void;
  onerror?: (error: Error) => void;
}
type ClientModule = { Client: new (info: { name: string; version: string }, options: { capabilities: object }) => SdkClient };
type TypesModule = { ToolListChangedNotificationSchema: unknown };

/**
 * An MCP server's tools for an agent, through the official SDK: listed on connect, namespaced,
 * refreshed on `tools/list_changed`. A lost server is reopened with backoff (McpReconnector) and
 * its tools listed again; meanwhile they stay listed (the model's tool list does not flap between
 * turns) and a call answers `mcp_unavailable` at once.
 */
class McpClient implements McpToolSource {
  readonly name: string;
  private client?: SdkClient;
  private current: Tool[] = [];
  private readonly signatures = new WeakMap<Tool, string>();
  private listing: Promise<void> = Promise.resolve();
  /** The listing waiting behind the one in flight: every tools/list_changed until it starts joins it. */
  private queued?: { client: SdkClient; done: Promise<void> };
  private closed = false;
  private readonly reconnector: McpReconnector;
  private readonly limits: { timeoutMs: number; maxResultBytes: number };

  constructor(private readonly options: McpClientOptions) {
    assertServerName(options.name);
    this.name = options.name;
    const t = options.transport;
    if (t?.type === 'stdio' ? !t.command : t?.type === 'http' ? !/^https?:\/\//.test(t.url) : true) {
      throw new AgentError('invalid_mcp_transport', `MCP server "${options.name}": transport must be {type:'stdio', command} or {type:'http', url}`);
    }
    this.limits = { timeoutMs: options.timeoutMs ?? 60_000, maxResultBytes: options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES };
    this.reconnector = new McpReconnector(options.name, () => this.open(), { ...options.reconnect, timers: options.timers });
  }

  async connect(): Promise<void> {
    await this.open();
    this.reconnector.opened();
  }

  tools(): Tool[] {
    return this.current;
  }

  status(): McpServerStatus {
    return this.reconnector.status();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reconnector.close();
    const client = this.client;
    this.client = undefined;
    this.current = [];
    await client?.close();
  }

  /** A new session: a client, a transport (a new process for stdio), the tools listed. */
  private async open(): Promise<void> {
    const [{ Client }, types] = await Promise.all([sdk<ClientModule>('client/index.js'), sdk<TypesModule>('types.js')]);
    const client = new Client({ name: 'agentnest', version: '0.1.0' }, { capabilities: {} });
    // A notification of a session already replaced is stale; a failed listing keeps the tools it had.
    client.setNotificationHandler(types.ToolListChangedNotificationSchema, () => void (this.client === client ? this.refresh(client).catch(() => undefined) : undefined));
    // Unreadable lines and stray messages are the server's problem, reported by the transport; the session goes on.
    client.onerror = () => undefined;
    const transport = (await openTransport(this.options.transport, this.limits.maxResultBytes)) as { close(): Promise<void> };
    try {
      // A server that never answers the handshake is bounded like a call (the SDK would wait 60 s).
      await client.connect(transport, { timeout: this.limits.timeoutMs });
    } catch (err) {
      // A server that started but never finished the handshake must not be left running. The SDK
      // starts closing the transport without waiting; this waits for it, so a boot that fails here
      // does not exit before the process is stopped (it was left running, adopted by init).
      await Promise.all([client.close().catch(() => undefined), transport.close().catch(() => undefined)]);
      throw err;
    }
    let lost = false;
    client.onclose = () => {
      lost = true;
      this.drop(client);
    };
    try {
      await this.refresh(client);
      if (lost) throw new Error('closed while listing');
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
    // Closed while this attempt ran (shutdown): the session is not kept.
    if (this.reconnector.status().state === 'closed') return void (await client.close());
    this.client = client;
  }

  /** The session ended (or failed in its transport): closes it, and reconnecting starts. */
  private drop(client: SdkClient): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.close().catch(() => undefined);
    this.reconnector.lost();
  }

  /**
   * Re-lists the server's tools on `client`, one listing after another (the last one wins, in
   * order). At most one waits behind the one in flight: a flood of tools/list_changed costs two
   * listings, not one each, and the queued one still sees every change announced before it started.
   */
  private refresh(client: SdkClient): Promise<void> {
    if (this.queued?.client === client) return this.queued.done;
    const queued = {
      client,
      done: this.listing.then(() => {
        if (this.queued === queued) this.queued = undefined;
        return this.list(client);
      }),
    };
    this.queued = queued;
    this.listing = queued.done.catch(() => undefined);
    return queued.done;
  }

  /** Lists every page; tools/list_changed and reconnects come here. */
  private async list(client: SdkClient): Promise<void> {
    const listed: SdkTool[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      // Shut down while listing: a server whose cursor never ends must not keep it going.
      if (this.closed) throw new Error('closed while listing');
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.limits.timeoutMs });
      listed.push(...page.tools);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < MAX_TOOL_LIST_PAGES && listed.length < MAX_MCP_TOOLS);
    if (cursor || listed.length > MAX_MCP_TOOLS) {
      process.emitWarning(`MCP server "${this.name}": tool list cut at ${Math.min(listed.length, MAX_MCP_TOOLS)} tools (${pages} pages); at most ${MAX_MCP_TOOLS} tools in ${MAX_TOOL_LIST_PAGES} pages are read`, { code: 'AGENTNEST_MCP_TOOL_LIST_TOO_LONG' });
      listed.length = Math.min(listed.length, MAX_MCP_TOOLS);
    }
    // An unchanged tool keeps its Tool object: its schema is not compiled again (nor does it take
    // another turn in the untrusted-schema cache that request schemas share).
    const previous = new Map(this.current.map((t) => [this.signatures.get(t), t]));
    const bounded = boundedTools(this.name, listed);
    const admitted = new Map(admittedTools(this.name, bounded.filter((t) => !previous.has(JSON.stringify(t)))).map((a) => [a.tool, a]));
    const usable = bounded.filter((t) => admitted.has(t) || previous.has(JSON.stringify(t)));
    this.current = distinctTools(this.name, usable).map((t) => {
      const signature = JSON.stringify(t);
      const tool = previous.get(signature) ?? this.wrap(admitted.get(t)!);
      this.signatures.set(tool, signature);
      return tool;
    });
  }

  private wrap({ tool, schema, validate }: AdmittedTool<SdkTool>): Tool {
    useValidator(schema, validate);
    return defineTool({
      name: namespaced(this.name, tool.name),
      description: toolDescription(this.name, tool),
      inputSchema: schema,
      execute: async (args, ctx) => {
        const client = this.client;
        if (!client) throw new McpUnavailableError(this.name, this.reconnector.status().state);
        let result: McpToolResult;
        try {
          result = await client.callTool({ name: tool.name, arguments: args }, undefined, { signal: ctx.signal, timeout: this.limits.timeoutMs });
        } catch (err) {
          // The run was aborted: the executor reports that, and the session is fine.
          if (ctx.signal.aborted) throw err;
          const failure = callFailure(this.name, err, this.limits);
          if (failure.sessionLost) this.drop(client);
          throw failure.error;
        }
        withinLimit(this.name, resultText(result), this.limits.maxResultBytes);
        return unwrapResult(result);
      },
    });
  }
}

/** Connects an agent to an MCP server (stdio or streamable HTTP); needs `@modelcontextprotocol/sdk` installed. */
export function mcpClient(options: McpClientOptions): McpToolSource {
  return new McpClient(options);
}
