import type { McpClientOptions } from '@agentnest/agent';
import { ConfigError } from './config.error.js';

const NAME = /^[a-zA-Z0-9-]{1,24}$/;
const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const stringMap = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

const positive = (v: unknown) => v === undefined || (Number.isSafeInteger(v) && (v as number) > 0);

/**
 * MCP_SERVERS: `{"name": {"command": "...", "args": [...], "env": {...}}, "other": {"url": "https://...", "headers": {...}}}`,
 * each optionally with `timeoutMs` (per tool call, default 60000) and `maxResultBytes` (default 262144).
 * Every demo agent gets every server's tools. Errors name the server, never a header or env value.
 */
export function loadMcpServers(raw: string | undefined): McpClientOptions[] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('MCP_SERVERS', 'must be valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError('MCP_SERVERS', 'must be an object of servers by name');
  return Object.entries(parsed as Record<string, Record<string, unknown>>).map(([name, s]) => {
    if (!NAME.test(name)) throw new ConfigError('MCP_SERVERS', `server name "${name.slice(0, 24)}" must be 1-24 letters, digits or -`);
    if (s && (!positive(s.timeoutMs) || !positive(s.maxResultBytes))) throw new ConfigError('MCP_SERVERS', `server "${name}": timeoutMs and maxResultBytes must be positive integers`);
    const limits = { ...(s?.timeoutMs ? { timeoutMs: s.timeoutMs as number } : {}), ...(s?.maxResultBytes ? { maxResultBytes: s.maxResultBytes as number } : {}) };
    if (s && typeof s.command === 'string' && s.command && (s.args === undefined || strings(s.args)) && (s.env === undefined || stringMap(s.env))) {
      return { name, ...limits, transport: { type: 'stdio', command: s.command, args: s.args as string[] | undefined, env: s.env as Record<string, string> | undefined } };
    }
    if (s && typeof s.url === 'string' && /^https?:\/\/\S+$/.test(s.url) && (s.headers === undefined || stringMap(s.headers))) {
      return { name, ...limits, transport: { type: 'http', url: s.url, headers: s.headers as Record<string, string> | undefined } };
    }
    throw new ConfigError('MCP_SERVERS', `server "${name}" needs {command, args?, env?} or {url, headers?}`);
  });
}
