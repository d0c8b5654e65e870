import { chunks, fakeEmbedding, VendorFake, type FakeAnswer, type FakeCut, type FakeError, type FakeResponse, type RecordedRequest } from './vendor-fake.js';

const ERROR_TYPES: Record<number, string> = { 400: 'invalid_request_error', 401: 'invalid_request_error', 404: 'invalid_request_error', 429: 'rate_limit_exceeded', 500: 'server_error', 503: 'server_error' };
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

type ChatMessage = { role?: string; content?: unknown; tool_calls?: Array<{ id?: string; type?: string; function?: { name?: string; arguments?: unknown } }>; tool_call_id?: string };

const EMBEDDINGS = '/v1/embeddings';
/** Vector size when a request names none (the fake does not know real model sizes). */
export const OPENAI_FAKE_DIMENSIONS = 8;

/** OpenAI Chat Completions (`POST /v1/chat/completions`, JSON or SSE chunks) and embeddings on loopback, checking what the SDK sends. */
export class OpenAIFake extends VendorFake {
  constructor(private readonly apiKey = 'test-openai-key') {
    super();
  }

  protected isStream(req: RecordedRequest): boolean {
    return (req.body as { stream?: boolean })?.stream === true;
  }

  protected validate(req: RecordedRequest) {
    if (req.method !== 'POST' || (req.path !== '/v1/chat/completions' && req.path !== EMBEDDINGS)) return { status: 404, message: `Unknown request URL: ${req.method} ${req.path}` };
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return { status: 401, message: 'Incorrect API key provided' };
    if (req.path === EMBEDDINGS) {
      const e = req.body as { model?: unknown; input?: unknown; dimensions?: unknown };
      if (!e || typeof e.model !== 'string') return { message: 'you must provide a model parameter' };
      const inputs = Array.isArray(e.input) ? e.input : [e.input];
      if (!inputs.length || inputs.some((x) => typeof x !== 'string' || !x)) return { message: "'input' must be a non-empty string or array of strings" };
      if (e.dimensions !== undefined && !Number.isInteger(e.dimensions)) return { message: "'dimensions' must be an integer" };
      return undefined;
    }
    const b = req.body as { model?: unknown; messages?: ChatMessage[]; tools?: Array<{ type?: string; function?: { name?: string; parameters?: { type?: string } } }> };
    if (!b || typeof b.model !== 'string' || !b.model) return { message: "you must provide a model parameter" };
    if (!Array.isArray(b.messages) || b.messages.length === 0) return { message: "'messages' must contain at least one message" };
    let pending = new Set<string>();
    for (const [i, m] of b.messages.entries()) {
      if (!ROLES.has(m.role ?? '')) return { message: `messages[${i}].role is invalid` };
      if (m.role === 'tool') {
        if (!pending.has(m.tool_call_id ?? '')) return { message: `messages[${i}]: messages with role 'tool' must be a response to a preceding message with 'tool_calls'` };
        pending.delete(m.tool_call_id!);
        continue;
      }
      if (pending.size) return { message: `messages[${i}]: an assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'` };
      if (m.role === 'assistant' && m.tool_calls) {
        for (const c of m.tool_calls) {
          if (c.type !== 'function' || !c.id || typeof c.function?.arguments !== 'string') return { message: `messages[${i}].tool_calls: each needs id, type "function" and string arguments` };
          try {
            JSON.parse(c.function.arguments);
          } catch {
            return { message: `messages[${i}].tool_calls: arguments must be JSON` };
          }
        }
        pending = new Set(m.tool_calls.map((c) => c.id!));
      } else if (typeof m.content !== 'string') return { message: `messages[${i}].content must be a string` };
    }
    for (const t of b.tools ?? []) if (t.type !== 'function' || !t.function?.name || t.function.parameters?.type !== 'object') return { message: 'tools: each needs type "function", a name and object parameters' };
    return undefined;
  }

  protected sendError(res: FakeResponse, reply: FakeError): void {
    res.writeHead(reply.status, { 'content-type': 'application/json', 'x-request-id': 'req_fake', ...this.retryHeaders(reply) });
    res.end(JSON.stringify({ error: { message: reply.message ?? 'fake error', type: ERROR_TYPES[reply.status] ?? 'server_error', param: null, code: null } }));
  }

  protected answer(req: RecordedRequest, reply: FakeAnswer | FakeCut, res: FakeResponse): void | Promise<void> {
    if (req.path === EMBEDDINGS) return this.embeddings(req, res);
    const body = req.body as { model: string; stream_options?: { include_usage?: boolean } };
    const answer: FakeAnswer = reply.kind === 'cut' ? { text: reply.text } : reply;
    const calls = (answer.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_fake_${this.requests.length}_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }));
    const finish = answer.rawFinishReason ?? (calls.length ? 'tool_calls' : 'stop');
    const u = answer.usage ?? {};
    const cached = u.inputTokenDetails?.cacheReadTokens ?? 0;
    const prompt = u.inputTokens ?? 10;
    const usage = { prompt_tokens: prompt, completion_tokens: u.outputTokens ?? 5, total_tokens: prompt + (u.outputTokens ?? 5), prompt_tokens_details: { cached_tokens: cached } };
    const base = { id: `chatcmpl-fake${this.requests.length}`, created: 1_700_000_000, model: body.model };
    if (!this.isStream(req)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const message = { role: 'assistant', content: answer.text ?? null, refusal: null, ...(calls.length ? { tool_calls: calls } : {}) };
      res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], usage }));
      return;
    }
    const chunk = (delta: object, finish_reason: string | null = null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason, logprobs: null }] });
    const events: object[] = [chunk({ role: 'assistant', content: '' })];
    for (const content of chunks(answer.text ?? '')) events.push(chunk({ content }));
    calls.forEach((c, index) => {
      events.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }));
      for (const piece of chunks(c.function.arguments, 6)) events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    });
    events.push(chunk({}, finish));
    if (body.stream_options?.include_usage) events.push({ ...base, object: 'chat.completion.chunk', choices: [], usage });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    return this.writeFrames(res, events.map((e) => `data: ${JSON.stringify(e)}\n\n`), reply, 'data: [DONE]\n\n');
  }

  private embeddings(req: RecordedRequest, res: FakeResponse): void {
    const b = req.body as { model: string; input: string | string[]; dimensions?: number; encoding_format?: string };
    const inputs = Array.isArray(b.input) ? b.input : [b.input];
    const data = inputs.map((text, index) => {
      const vector = fakeEmbedding(text, b.dimensions ?? OPENAI_FAKE_DIMENSIONS);
      const embedding = b.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: data.reverse(), model: b.model, usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 } }));
  }
}
