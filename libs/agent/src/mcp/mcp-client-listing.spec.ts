import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mcpClient, type McpClientOptions } from './mcp-client.js';
import { sdk } from './mcp-sdk.js';
import type { McpToolSource } from './mcp-tool-source.js';

const script = join(process.cwd(), 'test/fixtures/listing-mcp-server.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const open: McpToolSource[] = [];

/** A client of the listing fixture, and how many of each event it logged (starts, listings). */
function server(env: Record<string, string>, extra: Partial<McpClientOptions> = {}) {
  const events = join(mkdtempSync(join(tmpdir(), 'mcp-listing-')), 'events');
  const source = mcpClient({ name: 'listing', transport: { type: 'stdio', command: process.execPath, args: [script], env: { ...env, EVENTS: events } }, ...extra });
  open.push(source);
  const count = (event: string) => (existsSync(events) ? readFileSync(events, 'utf8') : '').split('\n').filter((e) => e === event).length;
  return { source, count };
}

describe('mcpClient listings', () => {
  let warned: ReturnType<typeof jest.spyOn>;
  // Jest's vm modules fail concurrent first imports of the SDK: load it once first.
  beforeAll(async () => {
    await sdk('client/index.js');
    await sdk('types.js');
  });
  beforeEach(() => {
    warned = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    warned.mockRestore();
  });

  it('keeps the first 1,000 tools of a listing whose cursor never ends, with a warning', async () => {
    const { source, count } = server({ LISTING: 'endless' });
    await source.connect();
    expect(source.tools()).toHaveLength(1_000);
    expect(count('list')).toBe(5);
    expect(warned).toHaveBeenCalledWith('MCP server "listing": tool list cut at 1000 tools (5 pages); at most 1000 tools in 100 pages are read', { code: 'AGENTNEST_MCP_TOOL_LIST_TOO_LONG' });
  }, 20_000);

  it('reads at most 100 pages of a listing', async () => {
    const { source, count } = server({ LISTING: 'endless', PAGE_SIZE: '1' });
    await source.connect();
    expect([source.tools().length, count('list')]).toEqual([100, 100]);
    expect(warned).toHaveBeenCalledWith('MCP server "listing": tool list cut at 100 tools (100 pages); at most 1000 tools in 100 pages are read', { code: 'AGENTNEST_MCP_TOOL_LIST_TOO_LONG' });
  }, 20_000);

  it('stops a listing in flight on close', async () => {
    const { source, count } = server({ LISTING: 'endless', PAGE_SIZE: '1', PAGE_DELAY: '20' });
    const connecting = source.connect().catch((err: Error) => err.message);
    while (count('list') < 3) await sleep(10);
    await source.close();
    const atClose = count('list');
    expect(await connecting).toBe('closed while listing');
    await sleep(300);
    expect(count('list')).toBe(atClose);
  }, 20_000);

  it('coalesces a flood of tools/list_changed: one listing in flight and one after it', async () => {
    const { source, count } = server({ LISTING: 'flood', FLOOD: '2000' });
    await source.connect();
    await source.tools()[0].execute({}, { signal: new AbortController().signal } as never);
    await sleep(1_000);
    // The listing at connect, the one the first notification starts, and one for all the rest.
    expect(count('list')).toBeLessThanOrEqual(3);
  }, 20_000);
});
