import type { CallOptions, FinishReason, LLMMessage, LLMProvider, LLMRequest, LLMResponse, StreamEvent, ToolCall, Usage } from '../llm-provider.js';
import { ProviderConfigError } from '../provider.errors.js';
import { toUsage } from '../usage.js';
import { fromFetchSdkError, isAbort } from './normalize-error.js';
import { openaiClient } from './openai-client.js';
import type { OpenAIClientOptions } from './openai-client.options.js';
import { parseToolArgs } from './vendor-turns.js';

/** Settings for {@link openai}: the client settings plus a default model and the output-limit field. */
export interface OpenAIOptions extends OpenAIClientOptions {
  /** Used when a request names no model. */
  defaultModel?: string;
  /**
   * The request field for the output limit: OpenAI's `max_completion_tokens` (reasoning models refuse
   * the deprecated `max_tokens`), or `max_tokens` for OpenAI-compatible servers that know only that;
   * @default 'max_completion_tokens'
   */
  maxTokensField?: 'max_completion_tokens' | 'max_tokens';
}

/** OpenAI's finish_reason values as ours; any other is 'other'. */
const FINISH: Record<string, FinishReason> = { stop: 'stop', tool_calls: 'tool-calls', function_call: 'tool-calls', length: 'length', content_filter: 'content-filter' };

export function toOpenAIMessages(system: string | undefined, messages: LLMMessage[]): object[] {
  const out: object[] = system ? [{ role: 'system', content: system }] : [];
  for (const m of messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.content });
    else if (m.role === 'tool') out.push({ role: 'tool', tool_call_id: m.toolCallId, content: m.content });
    else if (m.toolCalls?.length) {
      out.push({
        role: 'assistant',
        content: m.content || null,
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } })),
      });
    } else out.push({ role: 'assistant', content: m.content });
  }
  return out;
}


type OpenAIUsage = { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens?: number } | null } | null | undefined;

// OpenAI's prompt_tokens already include the cached ones, as the AI SDK's inputTokens do.
function usageOf(u: OpenAIUsage): Usage {
  const cached = u?.prompt_tokens_details?.cached_tokens ?? 0;
  return toUsage({ inputTokens: u?.prompt_tokens ?? 0, outputTokens: u?.completion_tokens ?? 0, cacheReadTokens: cached });
}

type OpenAICompletion = {
  model: string;
  choices: Array<{ message: { content: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> }; finish_reason: string }>;
  usage?: OpenAIUsage;
};

type OpenAIChunk = {
  model: string;
  choices: Array<{ delta: { content?: string | null; tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> }; finish_reason: string | null }>;
  usage?: OpenAIUsage;
};

function responseOf(r: OpenAICompletion): LLMResponse {
  const choice = r.choices[0];
  return {
    text: choice?.message.content ?? '',
    toolCalls: (choice?.message.tool_calls ?? []).map((t) => ({ id: t.id, name: t.function.name, args: parseToolArgs(t.function.arguments) })),
    usage: usageOf(r.usage),
    finishReason: FINISH[choice?.finish_reason ?? ''] ?? 'other',
    model: r.model,
    provider: 'openai',
  };
}

// A streamed tool call arrives in pieces keyed by its index: the id and name once, the arguments in fragments.
async function* streamEvents(stream: AsyncIterable<OpenAIChunk>, requested: string): AsyncIterable<StreamEvent> {
  let text = '';
  let model = requested;
  let finish = '';
  let usage = usageOf(undefined);
  const calls: Array<{ id: string; name: string; args: string }> = [];
  for await (const chunk of stream) {
    model = chunk.model || model;
    if (chunk.usage) usage = usageOf(chunk.usage);
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.finish_reason) finish = choice.finish_reason;
    if (choice.delta.content) {
      text += choice.delta.content;
      yield { type: 'text', delta: choice.delta.content };
    }
    for (const t of choice.delta.tool_calls ?? []) {
      const call = (calls[t.index] ??= { id: '', name: '', args: '' });
      if (t.id) call.id = t.id;
      if (t.function?.name) call.name += t.function.name;
      if (t.function?.arguments) call.args += t.function.arguments;
    }
  }
  const toolCalls: ToolCall[] = calls.filter(Boolean).map((c) => ({ id: c.id, name: c.name, args: parseToolArgs(c.args) }));
  yield { type: 'response', response: { text, toolCalls, usage, finishReason: FINISH[finish] ?? 'other', model, provider: 'openai' } };
}

/** OpenAI Chat Completions through the official SDK (`openai`, an optional peer); works with compatible servers via `baseURL`. */
export function openai(options: OpenAIOptions): LLMProvider {
  const sdk = openaiClient(options, 'openai');
  const secrets = [options.apiKey];

  const params = (req: LLMRequest) => {
    const model = req.model || options.defaultModel;
    if (!model) throw new ProviderConfigError('openai(): no model in the request and no defaultModel');
    return {
      model,
      messages: toOpenAIMessages(req.system, req.messages),
      ...(req.tools?.length ? { tools: req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } })) } : {}),
      ...(req.tools?.length && req.toolChoice === 'none' ? { tool_choice: 'none' } : {}),
      ...(req.maxTokens !== undefined ? { [options.maxTokensField ?? 'max_completion_tokens']: req.maxTokens } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.stop?.length ? { stop: req.stop } : {}),
    };
  };

  const fail = (err: unknown, signal: AbortSignal | undefined): never => {
    if (isAbort(err, signal)) throw signal?.reason ?? err;
    throw fromFetchSdkError('openai', err, secrets);
  };

  return {
    name: 'openai',
    async complete(req: LLMRequest, opts: CallOptions = {}): Promise<LLMResponse> {
      const body = params(req);
      const c = await sdk();
      try {
        return responseOf((await c.chat.completions.create(body as never, { signal: opts.signal })) as unknown as OpenAICompletion);
      } catch (err) {
        return fail(err, opts.signal);
      }
    },
    async *stream(req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
      const body = { ...params(req), stream: true, stream_options: { include_usage: true } };
      const c = await sdk();
      try {
        yield* streamEvents((await c.chat.completions.create(body as never, { signal: opts.signal })) as unknown as AsyncIterable<OpenAIChunk>, body.model);
      } catch (err) {
        fail(err, opts.signal);
      }
    },
  };
}
