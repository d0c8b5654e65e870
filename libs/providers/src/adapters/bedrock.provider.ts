import type { CallOptions, FinishReason, LLMMessage, LLMProvider, LLMRequest, LLMResponse, StreamEvent, ToolCall, Usage } from '../llm-provider.js';
import { ProviderConfigError } from '../provider.errors.js';
import { toUsage } from '../usage.js';
import { bedrockClient, bedrockSecrets, fromAwsError } from './bedrock-client.js';
import type { BedrockClientOptions } from './bedrock-client.options.js';
import { isAbort } from './normalize-error.js';
import { parseToolArgs, pushTurn, type VendorTurn } from './vendor-turns.js';

/** Settings for {@link bedrock}: the client settings plus a default model. */
export interface BedrockOptions extends BedrockClientOptions {
  /** Used when a request names no model. */
  defaultModel?: string;
}

type Block = Record<string, unknown>;
type Turn = VendorTurn<Block>;

/** Converse's stopReason values as finish reasons; any other is 'other'. */
const FINISH: Record<string, FinishReason> = { end_turn: 'stop', stop_sequence: 'stop', tool_use: 'tool-calls', max_tokens: 'length', guardrail_intervened: 'content-filter', content_filtered: 'content-filter' };

export function toBedrockMessages(messages: LLMMessage[]): Turn[] {
  const turns: Turn[] = [];
  const push = (role: Turn['role'], blocks: Block[]) => pushTurn(turns, role, blocks);
  for (const m of messages) {
    if (m.role === 'user') push('user', [{ text: m.content }]);
    else if (m.role === 'assistant') {
      const blocks: Block[] = m.content ? [{ text: m.content }] : [];
      for (const c of m.toolCalls ?? []) blocks.push({ toolUse: { toolUseId: c.id, name: c.name, input: c.args } });
      push('assistant', blocks);
    } else push('user', [{ toolResult: { toolUseId: m.toolCallId, content: [{ text: m.content }], status: m.isError ? 'error' : 'success' } }]);
  }
  return turns;
}

type BedrockUsage = { inputTokens?: number; outputTokens?: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number } | undefined;

// Bedrock, like Anthropic, counts cache reads and writes apart from inputTokens.
function usageOf(u: BedrockUsage): Usage {
  return toUsage({ inputTokens: (u?.inputTokens ?? 0) + (u?.cacheReadInputTokens ?? 0) + (u?.cacheWriteInputTokens ?? 0), outputTokens: u?.outputTokens ?? 0, cacheReadTokens: u?.cacheReadInputTokens, cacheWriteTokens: u?.cacheWriteInputTokens });
}

type ConverseOutput = { output?: { message?: { content?: unknown[] } }; usage?: BedrockUsage; stopReason?: string };

type ConverseStreamEvent = {
  contentBlockStart?: { contentBlockIndex?: number; start?: { toolUse?: { toolUseId?: string; name?: string } } };
  contentBlockDelta?: { contentBlockIndex?: number; delta?: { text?: string; toolUse?: { input?: string } } };
  messageStop?: { stopReason?: string };
  metadata?: { usage?: BedrockUsage };
};

function responseOf(r: ConverseOutput, model: string): LLMResponse {
  const content = (r.output?.message?.content ?? []) as Array<{ text?: string; toolUse?: { toolUseId?: string; name?: string; input?: unknown } }>;
  return {
    text: content.map((b) => b.text ?? '').join(''),
    toolCalls: content.filter((b) => b.toolUse).map((b) => ({ id: b.toolUse!.toolUseId!, name: b.toolUse!.name!, args: (b.toolUse!.input ?? {}) as Record<string, unknown> })),
    usage: usageOf(r.usage),
    finishReason: FINISH[r.stopReason ?? ''] ?? 'other',
    model,
    provider: 'bedrock',
  };
}

// A tool use opens a content block (id and name); its input JSON then arrives in deltas for that block's index.
async function* streamEvents(stream: AsyncIterable<ConverseStreamEvent> | Iterable<ConverseStreamEvent>, model: string): AsyncIterable<StreamEvent> {
  let text = '';
  let stop = '';
  let usage = usageOf(undefined);
  const uses = new Map<number, { id: string; name: string; args: string }>();
  for await (const event of stream) {
    if (event.contentBlockStart?.start?.toolUse) {
      const t = event.contentBlockStart.start.toolUse;
      uses.set(event.contentBlockStart.contentBlockIndex ?? uses.size, { id: t.toolUseId ?? '', name: t.name ?? '', args: '' });
    } else if (event.contentBlockDelta?.delta) {
      const { delta, contentBlockIndex } = event.contentBlockDelta;
      if (delta.text) {
        text += delta.text;
        yield { type: 'text', delta: delta.text };
      } else if (delta.toolUse?.input) {
        const use = uses.get(contentBlockIndex ?? -1);
        if (use) use.args += delta.toolUse.input;
      }
    } else if (event.messageStop) stop = event.messageStop.stopReason ?? '';
    else if (event.metadata) usage = usageOf(event.metadata.usage);
  }
  const toolCalls: ToolCall[] = [...uses.entries()].sort(([a], [b]) => a - b).map(([, u]) => ({ id: u.id, name: u.name, args: parseToolArgs(u.args) }));
  yield { type: 'response', response: { text, toolCalls, usage, finishReason: FINISH[stop] ?? 'other', model, provider: 'bedrock' } };
}

/** Amazon Bedrock's Converse API through the official AWS SDK (`@aws-sdk/client-bedrock-runtime`, an optional peer). */
export function bedrock(options: BedrockOptions): LLMProvider {
  const sdk = bedrockClient(options, 'bedrock');
  const secrets = bedrockSecrets(options);

  const input = (req: LLMRequest) => {
    const modelId = req.model || options.defaultModel;
    if (!modelId) throw new ProviderConfigError('bedrock(): no model in the request and no defaultModel');
    const inferenceConfig = {
      ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.stop?.length ? { stopSequences: req.stop } : {}),
    };
    return {
      modelId,
      messages: toBedrockMessages(req.messages),
      ...(req.system ? { system: [{ text: req.system }] } : {}),
      ...(Object.keys(inferenceConfig).length ? { inferenceConfig } : {}),
      // Converse has no "none" tool choice; the tools stay declared because history may reference them.
      ...(req.tools?.length ? { toolConfig: { tools: req.tools.map((t) => ({ toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.inputSchema } } })) } } : {}),
    };
  };

  const fail = (err: unknown, signal: AbortSignal | undefined): never => {
    if (isAbort(err, signal)) throw signal?.reason ?? err;
    throw fromAwsError(err, secrets);
  };

  return {
    name: 'bedrock',
    async complete(req: LLMRequest, opts: CallOptions = {}): Promise<LLMResponse> {
      const body = input(req);
      const { sdk: m, client } = await sdk();
      try {
        const r = await client.send(new m.ConverseCommand(body as never), { abortSignal: opts.signal });
        return responseOf(r, body.modelId);
      } catch (err) {
        return fail(err, opts.signal);
      }
    },
    async *stream(req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
      const body = input(req);
      const { sdk: m, client } = await sdk();
      try {
        const r = await client.send(new m.ConverseStreamCommand(body as never), { abortSignal: opts.signal });
        yield* streamEvents(r.stream ?? [], body.modelId);
      } catch (err) {
        fail(err, opts.signal);
      }
    },
  };
}
