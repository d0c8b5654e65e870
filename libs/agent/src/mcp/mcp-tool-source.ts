import { AgentConfigError, AgentError } from '../errors/agent.errors.js';
import type { Tool } from '../tools/tool.js';
import type { McpServerStatus } from './mcp-server-status.js';

/** Where an agent's MCP tools come from: a real server (`mcpClient`) or an in-memory one (`mockMcpClient`). */
export interface McpToolSource {
  /** Namespaces the tools: the model sees `<name>__<tool>`. */
  readonly name: string;
  /** Connects and lists the tools; call once before `tools()`. */
  connect(): Promise<void>;
  /** The current tools, namespaced; the list follows the server's `tools/list_changed`. */
  tools(): Tool[];
  /** Connected, reconnecting (with its attempt), failed or closed: for `/health` and the metrics (a source without it counts as connected). */
  status?(): McpServerStatus;
  /** Ends the session (a stdio server's process stops) and stops reconnecting. */
  close(): Promise<void>;
}

/** What an MCP tool returned, in the protocol's shape. */
export interface McpToolResult {
  /** The result's parts (text, images, resources), as the server sent them. */
  content?: Array<{ type: string; text?: string; mimeType?: string; resource?: { uri?: string; text?: string } }>;
  /** A structured result, when the tool declares an output schema. */
  structuredContent?: unknown;
  /** The tool failed: the model gets the content as an error. */
  isError?: boolean;
}

/** A tool answered with `isError: true`, or the server refused the call. */
export class McpToolError extends AgentError {
  constructor(message: string) {
    super('mcp_tool_error', message);
  }
}

const SERVER_NAME = /^[a-zA-Z0-9-]{1,24}$/;

export function assertServerName(name: string): void {
  if (typeof name !== 'string' || !SERVER_NAME.test(name)) throw new AgentConfigError(`MCP server name "${name}" must be 1-24 letters, digits or -`);
}

/** `<server>__<tool>`, squeezed into the tool-name alphabet and 64 characters (the model-facing name). */
export function namespaced(server: string, tool: string): string {
  return `${server}__${tool.replace(/[^a-zA-Z0-9_-]/g, '_')}`.slice(0, 64);
}

/** The largest argument schema a server's tool may declare (as JSON): it too is sent with every call. */
export const MAX_MCP_SCHEMA_BYTES = 64 * 1024;

/**
 * What one listing reads of a server: every tool is sent with every model call of every tenant, and
 * a server's cursor may never end. Past either, the tools read so far are kept, with a process
 * warning (code AGENTNEST_MCP_TOOL_LIST_TOO_LONG).
 */
export const MAX_MCP_TOOLS = 1_000;
export const MAX_TOOL_LIST_PAGES = 100;

/** A server's tools without those whose argument schema is larger than MAX_MCP_SCHEMA_BYTES (each dropped with a process warning). */
export function boundedTools<T extends { name: string; inputSchema?: unknown }>(server: string, listed: readonly T[]): T[] {
  return listed.filter((tool) => {
    const bytes = Buffer.byteLength(JSON.stringify(tool.inputSchema ?? {}));
    if (bytes <= MAX_MCP_SCHEMA_BYTES) return true;
    process.emitWarning(`MCP server "${server}": tool "${tool.name}" dropped: its argument schema has ${bytes} bytes, over ${MAX_MCP_SCHEMA_BYTES}`, { code: 'AGENTNEST_MCP_TOOL_TOO_LARGE' });
    return false;
  });
}

/**
 * A server's tools, one per model-facing name. Two of its names that squeeze to the same one (`dup.x`
 * and `dup_x`, or two past 64 characters) made every run of the agent refuse to start, for every
 * tenant, and a server can list such a pair whenever it likes. The tool whose own name sorts first
 * keeps the name, whatever order the server lists them in; each other is dropped with a process
 * warning (code AGENTNEST_MCP_TOOL_COLLISION) naming both.
 */
export function distinctTools<T extends { name: string }>(server: string, listed: readonly T[]): T[] {
  const byName = new Map<string, T>();
  for (const tool of [...listed].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const name = namespaced(server, tool.name);
    const kept = byName.get(name);
    if (kept) process.emitWarning(`MCP server "${server}": tool "${tool.name}" dropped: its name ${name} is already "${kept.name}"'s`, { code: 'AGENTNEST_MCP_TOOL_COLLISION' });
    else byName.set(name, tool);
  }
  // The server's own order otherwise, as before.
  return listed.filter((t) => byName.get(namespaced(server, t.name)) === t);
}

/** The largest tool result a server may send, by default (each server's `maxResultBytes`). */
export const DEFAULT_MAX_RESULT_BYTES = 256 * 1024;

/** The text the model gets for a tool result: text blocks joined, other blocks summarised. */
export function resultText(result: McpToolResult): string {
  const parts = (result.content ?? []).map((c) => {
    if (c.type === 'text') return c.text ?? '';
    if (c.type === 'resource') return c.resource?.text ?? `[resource ${c.resource?.uri ?? ''}]`;
    return `[${c.type}${c.mimeType ? ` ${c.mimeType}` : ''}]`;
  });
  if (!parts.length && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/** A tool result as the agent's tool function returns it: text, or McpToolError for `isError`. */
export function unwrapResult(result: McpToolResult): string {
  const text = resultText(result);
  if (result.isError) throw new McpToolError(text || 'the tool reported an error');
  return text;
}

/** Drops `$schema` (servers declare drafts the validator may not know); the rest is the tool's argument schema. */
export function argumentSchema(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema ?? {};
  void _ignored;
  // Arguments are always an object: a server's `type: "string"` must not make the tool undefinable.
  return rest.type === 'object' ? rest : { ...rest, type: 'object' };
}
