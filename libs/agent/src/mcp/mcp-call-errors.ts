import { AgentError } from '../errors/agent.errors.js';
import { INVALID_MESSAGE, RESULT_TOO_LARGE } from './synthetic-response.js';
import { McpToolError } from './mcp-tool-source.js';

// The model reads these as the tool's result ("Error: <tool> failed: <message>"): each message
// starts with its stable code, names the server, and never carries what the transport said (a
// command line, a URL with a token, a header).

/** The server is not connected (lost and reconnecting, failed, or closed). */
export class McpUnavailableError extends AgentError {
  constructor(server: string, state: string) {
    super('mcp_unavailable', `mcp_unavailable: MCP server "${server}" is not available (${state}); try again later`);
  }
}

/** The server's answer was over its maxResultBytes; it was discarded, and the server stays connected. */
export class McpResultTooLargeError extends AgentError {
  constructor(server: string, limit: number) {
    super('mcp_result_too_large', `mcp_result_too_large: MCP server "${server}" answered with more than ${limit} bytes; ask for less`);
  }
}

/** The call did not finish within the server's timeoutMs. */
export class McpTimeoutError extends AgentError {
  constructor(server: string, timeoutMs: number) {
    super('mcp_timeout', `mcp_timeout: MCP server "${server}" did not answer within ${timeoutMs} ms`);
  }
}

// The SDK's own codes for a closed connection and a request timeout.
const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;

/**
 * What a failed tools/call becomes for the model, and whether the session is gone: an error the
 * server answered with (a JSON-RPC code) is the tool's error; a closed connection, "Not connected"
 * or a transport failure (HTTP, network) means the session is lost and must be reopened.
 */
export function callFailure(server: string, err: unknown, limits: { timeoutMs: number; maxResultBytes: number }): { error: Error; sessionLost: boolean } {
  const code = err instanceof Error && err.name === 'McpError' ? (err as Error & { code?: unknown }).code : undefined;
  if (typeof code !== 'number') return { error: new McpUnavailableError(server, 'connection lost, reconnecting'), sessionLost: true };
  if (code === CONNECTION_CLOSED) return { error: new McpUnavailableError(server, 'connection lost, reconnecting'), sessionLost: true };
  if (code === REQUEST_TIMEOUT) return { error: new McpTimeoutError(server, limits.timeoutMs), sessionLost: false };
  if (code === RESULT_TOO_LARGE) return { error: new McpResultTooLargeError(server, limits.maxResultBytes), sessionLost: false };
  if (code === INVALID_MESSAGE) return { error: new McpToolError(`MCP server "${server}" sent an answer that is not valid JSON-RPC`), sessionLost: false };
  return { error: new McpToolError((err as Error).message), sessionLost: false };
}

/**
 * A result's text within the server's limit. The transports already refuse a larger answer before
 * buffering it; this holds the text the model gets (structured content, resources) to the same bound.
 */
export function withinLimit(server: string, text: string, maxResultBytes: number): string {
  if (Buffer.byteLength(text) > maxResultBytes) throw new McpResultTooLargeError(server, maxResultBytes);
  return text;
}
