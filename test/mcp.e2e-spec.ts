import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { Agent, mcpClient, mockMcpClient, type AgentEvent, type McpToolSource } from '@agentnest/agent';
import { AgentModule, AgentService } from '@agentnest/agent/nest';
import { mock, MissingPeerDependencyError, type LLMRequest } from '@agentnest/providers';
import { AnthropicFake } from '@agentnest/providers/testing';
import { setPeerImporter } from '../libs/providers/src/load-peer.js';
import { loadAppConfig } from '../apps/api/src/config/app-config.js';
import { API_KEYS, bearer, KEYS, SECRET, startApi, type Api } from './harness.js';
import { startHttpMcpServer } from './fixtures/mcp-server.js';
import { processesTagged } from './process-tags.js';
import { until } from './eventually.js';

const stdio = (name = 'fixture', env: Record<string, string> = {}, tag = 'untagged') =>
  mcpClient({ name, transport: { type: 'stdio', command: process.execPath, args: ['test/fixtures/mcp-server.js', `--tag=${tag}`], env } });

/** A scripted model: calls the given tools in one turn, then answers with what the tools returned. */
const caller = (calls: Array<{ name: string; args: Record<string, unknown> }>) =>
  mock({ respond: (req: LLMRequest) => (req.messages.at(-1)!.role === 'tool' ? req.messages.filter((m) => m.role === 'tool').map((m) => m.content).join(' | ') : { toolCalls: calls }) });

async function runWith(source: McpToolSource, calls: Array<{ name: string; args: Record<string, unknown> }>, signal?: AbortSignal) {
  const events: AgentEvent[] = [];
  const agent = Agent.create({ name: 'a', provider: caller(calls), model: 'm', tools: source.tools() });
  agent.attach({ onEvent: (e) => events.push(e) });
  const r = await agent.run({ message: 'go', signal });
  return { text: r.status === 'completed' ? r.text : '', events };
}


// The same behaviour from a real server over stdio, over streamable HTTP, and from the in-memory mock.
const sources: Array<[string, () => Promise<{ source: McpToolSource; done(): Promise<void>; unlock(): Promise<void>; collide(): Promise<void> }>]> = [
  ['stdio (child process)', async () => {
    const source = stdio();
    return { source, done: () => source.close(), unlock: async () => void (await runWith(source, [{ name: 'fixture__unlock', args: {} }])), collide: async () => void (await runWith(source, [{ name: 'fixture__collide', args: {} }])) };
  }],
  ['streamable HTTP (loopback)', async () => {
    const server = await startHttpMcpServer();
    const source = mcpClient({ name: 'fixture', transport: { type: 'http', url: server.url, headers: { Authorization: 'Bearer mcp-token' } } });
    return {
      source,
      done: async () => {
        await source.close();
        expect(server.authorizations.filter(Boolean).every((a) => a === 'Bearer mcp-token')).toBe(true);
        await server.close();
      },
      unlock: async () => void (await runWith(source, [{ name: 'fixture__unlock', args: {} }])),
      collide: async () => void (await runWith(source, [{ name: 'fixture__collide', args: {} }])),
    };
  }],
  ['mockMcpClient', async () => {
    const tools = [
      { name: 'add', description: 'Add two numbers', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] }, handler: (a: Record<string, unknown>) => String((a.a as number) + (a.b as number)) },
      { name: 'fail', handler: () => ({ content: [{ type: 'text', text: 'disk on fire' }], isError: true }) },
      { name: 'env', handler: () => 'unset' },
      {
        name: 'strict',
        inputSchema: { type: 'object', properties: { s: { type: 'string' } }, required: ['s'] },
        handler: (a: Record<string, unknown>) => {
          if (a.s === 'bad') throw new Error('MCP error -32602: s must not be bad');
          return `ok ${a.s as string}`;
        },
      },
      { name: 'slow', handler: () => new Promise<string>(() => {}) },
      { name: 'unlock', handler: () => 'unlocked' },
    ];
    const source = mockMcpClient({ name: 'fixture', tools });
    const unlocked = [...tools, { name: 'secret', handler: () => 'the secret' }];
    return {
      source,
      done: () => source.close(),
      unlock: async () => source.setTools(unlocked),
      collide: async () => source.setTools([...unlocked, { name: 'dup_x', handler: () => 'underscore' }, { name: 'dup.x', handler: () => 'dot' }]),
    };
  }],
];

describe.each(sources)('MCP tools: %s', (kind, make) => {
  let ctx: Awaited<ReturnType<typeof make>>;
  beforeAll(async () => {
    ctx = await make();
    await ctx.source.connect();
  }, 20_000);
  afterAll(() => ctx.done());

  it('lists the server tools under namespaced names with their schemas', () => {
    const names = ctx.source.tools().map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['fixture__add', 'fixture__fail', 'fixture__slow', 'fixture__unlock']));
    const add = ctx.source.tools().find((t) => t.name === 'fixture__add')!;
    expect(add.description).toBe('Add two numbers');
    expect(add.inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] });
  });

  it('calls tools with validated arguments and maps isError results and bad arguments to error results', async () => {
    const { text, events } = await runWith(ctx.source, [
      { name: 'fixture__add', args: { a: 2, b: 40 } },
      { name: 'fixture__add', args: { a: 'two', b: 40 } },
      { name: 'fixture__fail', args: {} },
    ]);
    const [ok, invalid, failed] = text.split(' | ');
    expect(ok).toBe('42');
    expect(invalid).toMatch(/^Error: invalid arguments for fixture__add/);
    expect(failed).toBe('Error: fixture__fail failed: disk on fire');
    expect(events.filter((e) => e.type === 'tool.end').map((e) => e.type === 'tool.end' && e.isError).sort()).toEqual([false, true, true]);
  });

  it('turns a call the server refuses into an error result for the model', async () => {
    const { text } = await runWith(ctx.source, [
      { name: 'fixture__strict', args: { s: 'fine' } },
      { name: 'fixture__strict', args: { s: 'bad' } },
    ]);
    const [ok, refused] = text.split(' | ');
    expect(ok).toBe('ok fine');
    expect(refused).toMatch(/^Error: fixture__strict failed: .*must not be bad/s);
  });

  it('aborts a tool call in flight with the run', async () => {
    const ac = new AbortController();
    const pending = runWith(ctx.source, [{ name: 'fixture__slow', args: {} }], ac.signal);
    setTimeout(() => ac.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: 'run_aborted' });
  });

  it('follows tools/list_changed', async () => {
    expect(ctx.source.tools().some((t) => t.name === 'fixture__secret')).toBe(false);
    const add = ctx.source.tools().find((t) => t.name === 'fixture__add');
    await ctx.unlock();
    await until('the new tool', () => ctx.source.tools().some((t) => t.name === 'fixture__secret'));
    // Unchanged tools survive a refresh as the same objects (their validators are not recompiled).
    if (kind !== 'mockMcpClient') expect(ctx.source.tools().find((t) => t.name === 'fixture__add')).toBe(add);
    expect((await runWith(ctx.source, [{ name: 'fixture__secret', args: {} }])).text).toBe('the secret');
  });

  it('keeps one tool per model-facing name when the server adds two that squeeze to the same one, so every run still starts', async () => {
    const warned = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      await ctx.collide();
      await until('the new tool', () => ctx.source.tools().some((t) => t.name === 'fixture__dup_x'));
      expect(ctx.source.tools().filter((t) => t.name === 'fixture__dup_x')).toHaveLength(1);
      // "dup.x" sorts before "dup_x": it keeps the name, in whichever order the server listed them.
      expect((await runWith(ctx.source, [{ name: 'fixture__dup_x', args: {} }])).text).toBe('dot');
      expect(warned).toHaveBeenCalledWith('MCP server "fixture": tool "dup_x" dropped: its name fixture__dup_x is already "dup.x"\'s', { code: 'AGENTNEST_MCP_TOOL_COLLISION' });
    } finally {
      warned.mockRestore();
    }
  });
});

describe('mcpClient', () => {
  it('passes env to a stdio server and ends the child process on close', async () => {
    const tag = randomUUID();
    const source = stdio('envcheck', { FIXTURE_GREETING: 'hello from env' }, tag);
    await source.connect();
    expect(processesTagged(tag)).toBe(1);
    expect((await runWith(source, [{ name: 'envcheck__env', args: {} }])).text).toBe('hello from env');
    await source.close();
    await until('the server processes to end', () => processesTagged(tag) === 0);
    await expect(runWith(source, [{ name: 'envcheck__env', args: {} }])).resolves.toMatchObject({ text: expect.stringMatching(/^Error: unknown tool/) });
  });

  it('names the package to install when the SDK is missing, and rejects bad options', async () => {
    const restore = setPeerImporter(async (spec) => {
      throw Object.assign(new Error(`Cannot find package '${spec}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    });
    try {
      const err = await stdio().connect().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingPeerDependencyError);
      expect((err as Error).message).toContain('npm install @modelcontextprotocol/sdk`');
    } finally {
      restore();
    }
    expect(() => mcpClient({ name: 'bad name!', transport: { type: 'stdio', command: 'x' } })).toThrow(/MCP server name/);
    expect(() => mcpClient({ name: 'ok', transport: { type: 'http', url: 'ftp://x' } })).toThrow(/transport must be/);
  });
});

describe('MCP servers in AgentModule', () => {
  it('connects named servers at boot, gives their tools to the agents that name them, and closes them on shutdown', async () => {
    const tag = randomUUID();
    const fixture = stdio('fixture', {}, tag);
    const moduleRef = await Test.createTestingModule({
      imports: [
        AgentModule.forRoot({
          mcpServers: [fixture, mockMcpClient({ name: 'notes', tools: [{ name: 'read', handler: () => 'a note' }] })],
          agents: {
            math: { provider: caller([{ name: 'fixture__add', args: { a: 1, b: 2 } }]), model: 'm', mcp: ['fixture'] },
            plain: { provider: mock({ reply: 'hi' }), model: 'm' },
          },
        }),
      ],
    }).compile();
    const app = await moduleRef.init();
    const agents = app.get(AgentService);
    const tools = Object.fromEntries(agents.list().map((a) => [a.name, a.tools.map((t) => t.name)]));
    expect(tools.math).toEqual(expect.arrayContaining(['fixture__add', 'fixture__unlock']));
    expect(tools.plain).toEqual([]);
    expect(await agents.run('math', { message: 'add' })).toMatchObject({ status: 'completed', text: '3' });
    expect(processesTagged(tag)).toBe(1);
    await app.close();
    expect(fixture.tools()).toEqual([]);
    await until('the server processes to end', () => processesTagged(tag) === 0);
  }, 20_000);

  it('fails boot in timeoutMs for a server that never answers the handshake, in one line without its command, and leaves no process behind', async () => {
    const tag = randomUUID();
    const silent = mcpClient({ name: 'silent', transport: { type: 'stdio', command: process.execPath, args: ['test/fixtures/silent-mcp-server.js', `--tag=${tag}`] }, timeoutMs: 500 });
    const moduleRef = await Test.createTestingModule({ imports: [AgentModule.forRoot({ mcpServers: [silent], agents: { a: { provider: mock({ reply: 'x' }), model: 'm', mcp: ['silent'] } } })] }).compile();
    const failed = await moduleRef.init().then(() => undefined, (err: Error) => err);
    expect(failed?.message).toBe('MCP server "silent" could not connect (-32001): check its command or URL, and that it answers the MCP handshake');
    // Stopped before boot gave up: a process exiting on this error leaves nothing running.
    expect(processesTagged(tag)).toBe(0);
  });

  it('fails boot for an unknown server name', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AgentModule.forRoot({ agents: { a: { provider: mock({ reply: 'x' }), model: 'm', mcp: ['nowhere'] } } })] }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/MCP server "nowhere"/);
  });
});

describe('MCP servers in the reference service (MCP_SERVERS)', () => {
  const fake = new AnthropicFake('sk-ant-mcp');
  let api: Api;
  beforeAll(async () => {
    await fake.start();
    const MCP_SERVERS = JSON.stringify({ fixture: { command: process.execPath, args: ['test/fixtures/mcp-server.js'], env: { FIXTURE_GREETING: 'write to jane.mcp\uff20example.com or call +44 20 7946 0958' } } });
    api = await startApi({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, MCP_SERVERS, LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-mcp', ANTHROPIC_API_KEY: 'sk-ant-mcp', ANTHROPIC_BASE_URL: fake.origin });
  }, 20_000);
  afterAll(async () => {
    await api.close();
    await fake.close();
  });

  it("lists the server's tools and runs them for the model", async () => {
    const agents = await api.http.get('/v1/agents').set(bearer(KEYS.acmeAlice));
    expect(agents.body.agents[0].tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['clock', 'askHuman', 'fixture__add']));
    fake.enqueue({ toolCalls: [{ name: 'fixture__add', args: { a: 20, b: 22 } }] }, { text: 'The sum is 42.' });
    const run = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'add 20 and 22' });
    expect(run.body).toMatchObject({ status: 'completed', text: 'The sum is 42.' });
    expect(run.body.narrative.join('\n')).toMatch(/Tool fixture__add returned "42"/);
  });

  it('redacts personal data in what an MCP tool returns before the model, memory or the narrative see it (on by default)', async () => {
    fake.enqueue({ toolCalls: [{ name: 'fixture__env', args: {} }] }, { text: 'Done.' });
    const seen = fake.requests.length;
    const run = await api.http.post('/v1/agents/assistant/runs').set(bearer(KEYS.acmeAlice)).send({ message: 'greet', conversationId: 'mcp-pii' });
    expect(run.body).toMatchObject({ status: 'completed', text: 'Done.' });
    const toModel = JSON.stringify(fake.requests.slice(seen).map((r) => r.body));
    expect(toModel).toContain('write to [EMAIL_1] or call [PHONE_1]');
    const stored = JSON.stringify((await api.http.get('/v1/conversations/mcp-pii/messages').set(bearer(KEYS.acmeAlice))).body);
    for (const where of [toModel, stored, run.body.narrative.join('\n')]) expect(where).not.toMatch(/jane\.mcp|7946/);
  });

  it('refuses a malformed MCP_SERVERS at boot, naming the server', () => {
    const broken = () => loadAppConfig({ MCP_SERVERS: JSON.stringify({ broken: { url: 'ftp://x', headers: { Authorization: 'Bearer secret-token' } } }) });
    expect(broken).toThrow(/server "broken" needs/);
    expect(broken).not.toThrow(/secret-token/);
    expect(() => loadAppConfig({ MCP_SERVERS: '{"bad name": {"command": "x"}}' })).toThrow(/MCP_SERVERS/);
    expect(() => loadAppConfig({ MCP_SERVERS: '{"slow": {"command": "x", "timeoutMs": -1}}' })).toThrow(/server "slow": timeoutMs and maxResultBytes must be positive integers/);
    expect(loadAppConfig({ MCP_SERVERS: '{"lim": {"command": "x", "timeoutMs": 5000, "maxResultBytes": 1024}}' }).mcpServers).toEqual([{ name: 'lim', timeoutMs: 5000, maxResultBytes: 1024, transport: { type: 'stdio', command: 'x' } }]);
  });
});
