/** What `/health` and the metrics report of one MCP server. */
export type McpServerStatus =
  | { server: string; state: 'connecting'; reconnects: number }
  | { server: string; state: 'connected'; reconnects: number }
  /** Lost and being reconnected: `attempt` counts the tries since it was lost. */
  | { server: string; state: 'reconnecting'; attempt: number; reconnects: number }
  /** Gave up after `maxReconnectAttempts`; its tools answer `mcp_unavailable` until the instance restarts. */
  | { server: string; state: 'failed'; attempt: number; reconnects: number }
  | { server: string; state: 'closed'; reconnects: number };

/** The connection state alone, as `/health` and the metrics report it. */
export type McpServerState = McpServerStatus['state'];
