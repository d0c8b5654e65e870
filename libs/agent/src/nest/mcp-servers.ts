import { AgentConfigError } from '../errors/agent.errors.js';
import type { McpServerStatus } from '../mcp/mcp-server-status.js';
import type { McpToolSource } from '../mcp/mcp-tool-source.js';
import type { Tool } from '../tools/tool.js';

/** The module's MCP servers by name: connected at boot, read per run, closed on shutdown. */
export class McpServers {
  private readonly sources = new Map<string, McpToolSource>();

  has(name: string): boolean {
    return this.sources.has(name);
  }

  /** Connects every server; one that cannot connect fails boot (after closing the others). */
  async connect(sources: readonly McpToolSource[]): Promise<void> {
    for (const source of sources) {
      if (this.sources.has(source.name)) throw new AgentConfigError(`two MCP servers are named "${source.name}"`);
      this.sources.set(source.name, source);
    }
    const results = await Promise.allSettled([...this.sources.values()].map((s) => s.connect()));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed < 0) return;
    await this.close();
    // The cause by its code only: a spawn error's message carries the command line, a fetch error's the URL.
    const reason = (results[failed] as PromiseRejectedResult).reason as { code?: unknown; name?: unknown } | undefined;
    const code = typeof reason?.code === 'string' || typeof reason?.code === 'number' ? String(reason.code) : typeof reason?.name === 'string' ? reason.name : 'error';
    throw new AgentConfigError(`MCP server "${[...this.sources.keys()][failed]}" could not connect (${code}): check its command or URL, and that it answers the MCP handshake`);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.sources.values()].map((s) => s.close()));
  }

  /** The servers' tools as listed now: a server's tools/list_changed shows up in the next run. */
  tools(servers: readonly string[] | undefined): Tool[] {
    return (servers ?? []).flatMap((server) => this.sources.get(server)!.tools());
  }

  /** Each server's connection state (a source without `status` counts as connected). */
  status(): McpServerStatus[] {
    return [...this.sources.values()].map((s) => s.status?.() ?? { server: s.name, state: 'connected', reconnects: 0 });
  }
}
