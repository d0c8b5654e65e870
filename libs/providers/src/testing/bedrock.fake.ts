import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { chunks, fakeEmbedding, VendorFake, type FakeAnswer, type FakeCut, type FakeError, type FakeResponse, type RecordedRequest } from './vendor-fake.js';

const ERROR_TYPES: Record<number, string> = {
  400: 'ValidationException',
  401: 'UnrecognizedClientException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};
const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;
const codec = new EventStreamCodec(toUtf8, fromUtf8);

type Block = { text?: unknown; toolUse?: { toolUseId?: string }; toolResult?: { toolUseId?: string; content?: unknown[] } };

/** One frame of the AWS event-stream encoding, as ConverseStream sends it. */
function frame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** Bedrock Runtime Converse, ConverseStream (AWS event-stream framing) and Titan embeddings (InvokeModel) on loopback, checking what the SDK sends. */
export class BedrockFake extends VendorFake {
  /** `protocol`: 'h2c' as the AWS SDK speaks by default; 'http1' for fetch-based clients such as `@ai-sdk/amazon-bedrock`. */
  constructor(
    private readonly accessKeyId = 'AKIDFAKETEST',
    protocol: 'http1' | 'h2c' = 'h2c',
  ) {
    super(protocol);
  }

  /** The model id from the last request's path (decoded). */
  modelOf(req: RecordedRequest): string | undefined {
    const m = ROUTE.exec(req.path);
    return m ? decodeURIComponent(m[1]) : undefined;
  }

  protected isStream(req: RecordedRequest): boolean {
    return req.path.endsWith('/converse-stream');
  }

  protected validate(req: RecordedRequest) {
    if (req.method !== 'POST' || !ROUTE.test(req.path)) return { status: 404, message: `no route ${req.method} ${req.path}` };
    const auth = String(req.headers.authorization ?? '');
    if (!auth.startsWith(`AWS4-HMAC-SHA256 Credential=${this.accessKeyId}/`) || !req.headers['x-amz-date']) return { status: 403, message: 'The security token included in the request is invalid.' };
    if (req.path.endsWith('/invoke')) {
      const e = req.body as { inputText?: unknown; dimensions?: unknown };
      if (!e || typeof e.inputText !== 'string' || !e.inputText) return { message: 'inputText: a non-empty string is required' };
      if (e.dimensions !== undefined && ![256, 512, 1024].includes(e.dimensions as number)) return { message: 'dimensions must be 256, 512 or 1024' };
      return undefined;
    }
    const b = req.body as { messages?: Array<{ role?: string; content?: Block[] }>; system?: Array<{ text?: unknown }>; toolConfig?: { tools?: Array<{ toolSpec?: { name?: string; inputSchema?: { json?: unknown } } }> }; inferenceConfig?: { maxTokens?: unknown } };
    if (!b || !Array.isArray(b.messages) || b.messages.length === 0) return { message: 'messages: at least one message is required' };
    if (b.messages[0].role !== 'user') return { message: 'A conversation must start with a user message.' };
    let previousUses = new Set<string>();
    let sawTools = false;
    for (const [i, m] of b.messages.entries()) {
      if (i > 0 && m.role === b.messages[i - 1].role) return { message: `A conversation must alternate between user and assistant roles (messages.${i})` };
      if (!Array.isArray(m.content) || m.content.length === 0) return { message: `messages.${i}.content must be non-empty` };
      const uses = new Set<string>();
      for (const block of m.content) {
        const kinds = Object.keys(block);
        if (kinds.length !== 1) return { message: `messages.${i}: each content block needs exactly one member` };
        if (block.text !== undefined && (typeof block.text !== 'string' || !block.text)) return { message: `messages.${i}: text blocks must be non-empty` };
        if (block.toolUse) {
          uses.add(block.toolUse.toolUseId ?? '');
          sawTools = true;
        }
        if (block.toolResult) {
          sawTools = true;
          if (!previousUses.has(block.toolResult.toolUseId ?? '')) return { message: `messages.${i}: toolResult does not match a toolUse of the previous turn` };
        }
      }
      previousUses = uses;
    }
    if (sawTools && !b.toolConfig?.tools?.length) return { message: 'The toolConfig field must be defined when using toolUse and toolResult content blocks.' };
    for (const t of b.toolConfig?.tools ?? []) if (!t.toolSpec?.name || typeof t.toolSpec.inputSchema?.json !== 'object') return { message: 'toolConfig.tools: each needs toolSpec.name and inputSchema.json' };
    if (b.inferenceConfig?.maxTokens !== undefined && !Number.isInteger(b.inferenceConfig.maxTokens)) return { message: 'inferenceConfig.maxTokens must be an integer' };
    if (b.system !== undefined && (!Array.isArray(b.system) || b.system.some((s) => typeof s.text !== 'string'))) return { message: 'system must be a list of text blocks' };
    return undefined;
  }

  protected sendError(res: FakeResponse, reply: FakeError): void {
    const type = ERROR_TYPES[reply.status] ?? 'InternalServerException';
    res.writeHead(reply.status, { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': 'req-fake', ...this.retryHeaders(reply) });
    res.end(JSON.stringify({ message: reply.message ?? 'fake error' }));
  }

  protected answer(req: RecordedRequest, reply: FakeAnswer | FakeCut, res: FakeResponse): void {
    if (req.path.endsWith('/invoke')) {
      const e = req.body as { inputText: string; dimensions?: number };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ embedding: fakeEmbedding(e.inputText, e.dimensions ?? 1024), inputTextTokenCount: 3 }));
      return;
    }
    const answer: FakeAnswer = reply.kind === 'cut' ? { text: reply.text } : reply;
    const uses = (answer.toolCalls ?? []).map((c, i) => ({ toolUseId: c.id ?? `tooluse_fake_${this.requests.length}_${i}`, name: c.name, input: c.args }));
    const stopReason = answer.rawFinishReason ?? (uses.length ? 'tool_use' : 'end_turn');
    const u = answer.usage ?? {};
    const uncached = (u.inputTokens ?? 10) - (u.inputTokenDetails?.cacheReadTokens ?? 0) - (u.inputTokenDetails?.cacheWriteTokens ?? 0);
    const usage = { inputTokens: uncached, outputTokens: u.outputTokens ?? 5, totalTokens: (u.inputTokens ?? 10) + (u.outputTokens ?? 5), cacheReadInputTokens: u.inputTokenDetails?.cacheReadTokens ?? 0, cacheWriteInputTokens: u.inputTokenDetails?.cacheWriteTokens ?? 0 };
    if (!this.isStream(req)) {
      const content = [...(answer.text ? [{ text: answer.text }] : []), ...uses.map((toolUse) => ({ toolUse }))];
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'req-fake' });
      res.end(JSON.stringify({ output: { message: { role: 'assistant', content } }, stopReason, usage, metrics: { latencyMs: 12 } }));
      return;
    }
    const frames: Uint8Array[] = [frame('messageStart', { role: 'assistant' })];
    let index = 0;
    if (answer.text) {
      for (const text of chunks(answer.text)) frames.push(frame('contentBlockDelta', { contentBlockIndex: index, delta: { text } }));
      frames.push(frame('contentBlockStop', { contentBlockIndex: index++ }));
    }
    for (const use of uses) {
      frames.push(frame('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId: use.toolUseId, name: use.name } } }));
      for (const input of chunks(JSON.stringify(use.input), 6)) frames.push(frame('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input } } }));
      frames.push(frame('contentBlockStop', { contentBlockIndex: index++ }));
    }
    frames.push(frame('messageStop', { stopReason }));
    frames.push(frame('metadata', { usage, metrics: { latencyMs: 12 } }));
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-fake' });
    const limit = reply.kind === 'cut' ? reply.afterEvents : frames.length;
    for (const f of frames.slice(0, limit)) res.write(f);
    if (reply.kind === 'cut') return void res.cut();
    res.end();
  }
}
