import { chunks, VendorFake, type FakeAnswer, type FakeCut, type FakeError, type FakeResponse, type RecordedRequest } from './vendor-fake.js';

const ERROR_TYPES: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error', 503: 'overloaded_error' };

type Block = { type?: string; id?: string; tool_use_id?: string; text?: unknown };
type Turn = { role?: string; content?: string | Block[] };

/** The Anthropic Messages API (`POST /v1/messages`, JSON or SSE) on loopback, checking what the SDK sends. */
export class AnthropicFake extends VendorFake {
  constructor(private readonly apiKey = 'test-anthropic-key') {
    super();
  }

  protected isStream(req: RecordedRequest): boolean {
    return (req.body as { stream?: boolean })?.stream === true;
  }

  protected validate(req: RecordedRequest) {
    if (req.method !== 'POST' || req.path !== '/v1/messages') return { status: 404, message: `no route ${req.method} ${req.path}` };
    // The SDK sends the key as x-api-key or, in newer versions, as a bearer token.
    if (req.headers['x-api-key'] !== this.apiKey && req.headers.authorization !== `Bearer ${this.apiKey}`) return { status: 401, message: 'invalid x-api-key' };
    if (!req.headers['anthropic-version']) return { message: 'anthropic-version header is required' };
    const b = req.body as { model?: unknown; max_tokens?: unknown; messages?: Turn[]; tools?: Array<{ name?: string; input_schema?: { type?: string } }>; system?: unknown };
    if (!b || typeof b.model !== 'string' || !b.model) return { message: 'model: Field required' };
    if (!Number.isInteger(b.max_tokens) || (b.max_tokens as number) < 1) return { message: 'max_tokens: Field required' };
    if (b.system !== undefined && typeof b.system !== 'string' && !Array.isArray(b.system)) return { message: 'system: must be a string or blocks' };
    if (!Array.isArray(b.messages) || b.messages.length === 0) return { message: 'messages: at least one message is required' };
    if (b.messages[0].role !== 'user') return { message: 'messages: first message must use the "user" role' };
    let previousToolUses = new Set<string>();
    let sawToolBlocks = false;
    for (const [i, m] of b.messages.entries()) {
      if (i > 0 && m.role === b.messages[i - 1].role) return { message: `messages.${i}: roles must alternate between "user" and "assistant"` };
      const blocks: Block[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content ?? []);
      if (!blocks.length) return { message: `messages.${i}: content must be non-empty` };
      const uses = new Set<string>();
      for (const block of blocks) {
        if (block.type === 'text' && (typeof block.text !== 'string' || !block.text)) return { message: `messages.${i}: text content blocks must be non-empty` };
        if (block.type === 'tool_use') {
          uses.add(block.id ?? '');
          sawToolBlocks = true;
        }
        if (block.type === 'tool_result') {
          sawToolBlocks = true;
          if (!previousToolUses.has(block.tool_use_id ?? '')) return { message: `messages.${i}: tool_result block(s) provided for an unknown tool_use_id` };
        }
      }
      previousToolUses = uses;
    }
    if (sawToolBlocks && !b.tools?.length) return { message: 'Requests which include `tool_use` or `tool_result` blocks must define tools.' };
    for (const t of b.tools ?? []) if (!t.name || t.input_schema?.type !== 'object') return { message: 'tools: each tool needs a name and an input_schema of type object' };
    return undefined;
  }

  protected sendError(res: FakeResponse, reply: FakeError): void {
    res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': 'req_fake', ...this.retryHeaders(reply) });
    res.end(JSON.stringify({ type: 'error', error: { type: ERROR_TYPES[reply.status] ?? 'api_error', message: reply.message ?? 'fake error' } }));
  }

  private message(req: RecordedRequest, reply: FakeAnswer) {
    const model = (req.body as { model: string }).model;
    const calls = (reply.toolCalls ?? []).map((c, i) => ({ type: 'tool_use', id: c.id ?? `toolu_fake_${this.requests.length}_${i}`, name: c.name, input: c.args }));
    const content = [...(reply.text ? [{ type: 'text', text: reply.text }] : []), ...calls];
    const u = reply.usage ?? {};
    const cache = u.inputTokenDetails ?? {};
    return {
      id: `msg_fake_${this.requests.length}`,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: reply.rawFinishReason ?? (calls.length ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      usage: { input_tokens: (u.inputTokens ?? 10) - (cache.cacheReadTokens ?? 0) - (cache.cacheWriteTokens ?? 0), output_tokens: u.outputTokens ?? 5, cache_read_input_tokens: cache.cacheReadTokens ?? 0, cache_creation_input_tokens: cache.cacheWriteTokens ?? 0 },
    };
  }

  protected answer(req: RecordedRequest, reply: FakeAnswer | FakeCut, res: FakeResponse): void | Promise<void> {
    const msg = this.message(req, reply.kind === 'cut' ? { text: reply.text } : reply);
    if (!this.isStream(req)) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake' });
      res.end(JSON.stringify(msg));
      return;
    }
    const events: Array<[string, unknown]> = [['message_start', { type: 'message_start', message: { ...msg, content: [], stop_reason: null, usage: { ...msg.usage, output_tokens: 1 } } }]];
    (msg.content as Array<{ type: string; text?: string; input?: unknown }>).forEach((block, index) => {
      if (block.type === 'text') {
        events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
        for (const text of chunks(block.text as string)) events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }]);
      } else {
        events.push(['content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } }]);
        for (const partial_json of chunks(JSON.stringify(block.input), 7)) events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } }]);
      }
      events.push(['content_block_stop', { type: 'content_block_stop', index }]);
    });
    events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: msg.usage.output_tokens } }]);
    events.push(['message_stop', { type: 'message_stop' }]);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    return this.writeFrames(res, events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`), reply);
  }
}
