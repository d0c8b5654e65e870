import { CappedStdioTransport } from './capped-stdio-transport.js';
import { cappedFetch } from './capped-fetch.js';
import { sdk } from './mcp-sdk.js';

/** How mcpClient reaches its server. */
export type McpTransportOptions =
  /** A local server started as a child process, spoken to over stdin/stdout. */
  | {
      /** Start the server as a child process. */
      type: 'stdio';
      /** The executable (`npx`, `node`, `uvx`); found on PATH. */
      command: string;
      /** Its arguments. */
      args?: string[];
      /** Its environment, besides HOME, PATH, SHELL, TERM, USER and LOGNAME (no other variable of this process is passed on, secrets included). */
      env?: Record<string, string>;
      /** Its working directory; @default this process's */
      cwd?: string;
    }
  /** A remote server over MCP's streamable HTTP transport. */
  | {
      /** Reach the server over streamable HTTP. */
      type: 'http';
      /** The server's MCP endpoint. */
      url: string;
      /** Sent with every request (an Authorization header, say). */
      headers?: Record<string, string>;
    };

type HttpModule = { StreamableHTTPClientTransport: new (url: URL, opts?: { requestInit?: { headers?: Record<string, string> }; fetch?: typeof fetch }) => unknown };
type TypesModule = { JSONRPCMessageSchema: { parse(value: unknown): Record<string, unknown> } };

/** What a listing or the handshake may take as one message: 50 tools at the 64 KB schema limit, and room. */
export const MAX_LIST_BYTES = 4 * 1024 * 1024;

/** A transport for one session, its answers capped at `maxResultBytes` for tool calls before the SDK buffers them. */
export async function openTransport(t: McpTransportOptions, maxResultBytes: number): Promise<unknown> {
  if (t.type === 'stdio') {
    const { JSONRPCMessageSchema } = await sdk<TypesModule>('types.js');
    // PATH is passed so `node`/`npx` resolve.
    return new CappedStdioTransport({
      command: t.command,
      args: t.args,
      env: { PATH: process.env.PATH ?? '', ...t.env },
      cwd: t.cwd,
      maxResultBytes,
      maxListBytes: MAX_LIST_BYTES,
      parse: (line) => JSONRPCMessageSchema.parse(JSON.parse(line)),
    });
  }
  const { StreamableHTTPClientTransport } = await sdk<HttpModule>('client/streamableHttp.js');
  return new StreamableHTTPClientTransport(new URL(t.url), { requestInit: { headers: t.headers }, fetch: cappedFetch(maxResultBytes, MAX_LIST_BYTES) as typeof fetch });
}
