import type AnthropicSdk from '@anthropic-ai/sdk';
import type { CallOptions, FinishReason, LLMMessage, LLMProvider, LLMRequest, LLMResponse, StreamEvent } from '../llm-provider.js';
import { loadPeer } from '../load-peer.js';
import { ProviderConfigError } from '../provider.errors.js';
import { toUsage } from '../usage.js';
import { fromFetchSdkError, isAbort } from './normalize-error.js';
import { pushTurn, type VendorTurn } from './vendor-turns.js';

type Anthropic = AnthropicSdk;
type Block = Record<string, unknown>;
type Turn = VendorTurn<Block>;

/** Settings for {@link anthropic}. */
export interface AnthropicOptions {
  apiKey: string;
  /** @default the SDK's (api.anthropic.com) */
  baseURL?: string;
  /** Used when a request names no model. */
  defaultModel?: string;
  /** Output limit when a request sets none (Anthropic requires one); @default 4096 */
  maxTokens?: number;
  /** Per-request timeout; @default 60000 */
  timeoutMs?: number;
}

/** Anthropic's stop_reason values as finish reasons; any other is 'other'. */
const FINISH: Record<string, FinishReason> = { end_turn: 'stop', stop_sequence: 'stop', tool_use: 'tool-calls', max_tokens: 'length', model_context_window_exceeded: 'length', refusal: 'content-filter' };

/** Our messages as Anthropic turns: tool results travel as user turns, and same-role neighbours merge (the API wants alternation). */
export function toAnthropicMessages(messages: LLMMessage[]): Turn[] {
  const turns: Turn[] = [];
  const push = (role: Turn['role'], blocks: Block[]) => pushTurn(turns, role, blocks);
  for (const m of messages) {
    if (m.role === 'user') push('user', [{ type: 'text', text: m.content }]);
    else if (m.role === 'assistant') {
      const blocks: Block[] = m.content ? [{ type: 'text', text: m.content }] : [];
      for (const c of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: c.args });
      push('assistant', blocks);
    } else push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content, ...(m.isError ? { is_error: true } : {}) }]);
  }
  return turns;
}

interface AnthropicMessage {
  model: string;
  content: Array<{ type: string; text?: string; id?: string; name?: string; input?: unknown }>;
  stop_reason: string | null;
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number | null; cache_creation_input_tokens?: number | null };
}

export function fromAnthropicMessage(msg: AnthropicMessage): LLMResponse {
  const { input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens } = msg.usage;
  return {
    text: msg.content.filter((b) => b.type === 'text').map((b) => b.text ?? '').join(''),
    toolCalls: msg.content.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id!, name: b.name!, args: (b.input ?? {}) as Record<string, unknown> })),
    // Anthropic counts cache reads and writes apart from input_tokens; inputTokens holds them all.
    usage: toUsage({ inputTokens: input_tokens + (cache_read_input_tokens ?? 0) + (cache_creation_input_tokens ?? 0), outputTokens: output_tokens, cacheReadTokens: cache_read_input_tokens, cacheWriteTokens: cache_creation_input_tokens }),
    finishReason: FINISH[msg.stop_reason ?? ''] ?? 'other',
    model: msg.model,
    provider: 'anthropic',
  };
}

/** Anthropic Messages API through the official SDK (`@anthropic-ai/sdk`, an optional peer). */
export function anthropic(options: AnthropicOptions): LLMProvider {
  if (!options?.apiKey) throw new ProviderConfigError('anthropic(): apiKey is required');
  const secrets = [options.apiKey];
  let client: Promise<Anthropic> | undefined;
  // Retries are off in the SDK: withRetry owns that decision, so it is counted and visible.
  const sdk = () =>
    (client ??= loadPeer<{ default: new (o: object) => Anthropic }>('@anthropic-ai/sdk', 'anthropic').then(
      (m) => new m.default({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0, timeout: options.timeoutMs ?? 60_000 }),
    ));

  const params = (req: LLMRequest) => {
    const model = req.model || options.defaultModel;
    if (!model) throw new ProviderConfigError('anthropic(): no model in the request and no defaultModel');
    return {
      model,
      max_tokens: req.maxTokens ?? options.maxTokens ?? 4096,
      messages: toAnthropicMessages(req.messages),
      ...(req.system ? { system: req.system } : {}),
      ...(req.tools?.length ? { tools: req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })) } : {}),
      ...(req.tools?.length && req.toolChoice === 'none' ? { tool_choice: { type: 'none' } } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.stop?.length ? { stop_sequences: req.stop } : {}),
    };
  };

  const fail = (err: unknown, signal: AbortSignal | undefined): never => {
    if (isAbort(err, signal)) throw signal?.reason ?? err;
    throw fromFetchSdkError('anthropic', err, secrets);
  };

  return {
    name: 'anthropic',
    async complete(req: LLMRequest, opts: CallOptions = {}): Promise<LLMResponse> {
      const body = params(req);
      const c = await sdk();
      try {
        const msg = await c.messages.create(body as never, { signal: opts.signal });
        return fromAnthropicMessage(msg as unknown as AnthropicMessage);
      } catch (err) {
        return fail(err, opts.signal);
      }
    },
    async *stream(req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
      const body = params(req);
      const c = await sdk();
      try {
        const stream = c.messages.stream(body as never, { signal: opts.signal });
        for await (const event of stream as AsyncIterable<{ type: string; delta?: { type: string; text?: string } }>) {
          if (event.type === 'content_block_delta' && event.delta?.type === 'text_delta' && event.delta.text) yield { type: 'text', delta: event.delta.text };
        }
        yield { type: 'response', response: fromAnthropicMessage((await stream.finalMessage()) as unknown as AnthropicMessage) };
      } catch (err) {
        fail(err, opts.signal);
      }
    },
  };
}
