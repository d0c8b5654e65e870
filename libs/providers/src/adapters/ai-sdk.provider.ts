import type { CallOptions, FinishReason, LLMMessage, LLMProvider, LLMRequest, LLMResponse, StreamEvent, ToolCall, Usage } from '../llm-provider.js';
import type { ProviderError } from '../provider.errors.js';
import { toUsage } from '../usage.js';
import type { AiSdkCallOptions, AiSdkContent, AiSdkFinishReason, AiSdkLanguageModel, AiSdkPromptMessage, AiSdkStreamPart, AiSdkUsage } from './ai-sdk-model.js';
import { isAbort, providerError } from './normalize-error.js';
import { parseToolArgs } from './vendor-turns.js';

/** Settings for {@link aiSdk}. */
export interface AiSdkOptions {
  /** The provider's name in events, errors, spans and costs; @default the model's `provider` field (e.g. 'openai.chat') */
  name?: string;
  /**
   * Strings to cut out of error messages, such as the API key the model was built with: the AI SDK's
   * messages carry the vendor's text, which a proxy may echo a header into.
   */
  secrets?: string[];
}

/** The specification's unified finish reasons as ours; 'interrupted' (the stream ended without a finish) and any other are 'other'. */
const FINISH: Record<string, FinishReason> = { stop: 'stop', length: 'length', 'content-filter': 'content-filter', 'tool-calls': 'tool-calls', error: 'error' };

function finishReasonOf(reason: AiSdkFinishReason | undefined): FinishReason {
  return FINISH[reason?.unified ?? ''] ?? 'other';
}

/** Our messages as the specification's prompt; consecutive tool results share one tool message, as the spec groups them. */
export function toAiSdkPrompt(system: string | undefined, messages: LLMMessage[]): AiSdkPromptMessage[] {
  const out: AiSdkPromptMessage[] = system ? [{ role: 'system', content: system }] : [];
  for (const m of messages) {
    if (m.role === 'user') out.push({ role: 'user', content: [{ type: 'text', text: m.content }] });
    else if (m.role === 'assistant') {
      const calls = (m.toolCalls ?? []).map((c) => ({ type: 'tool-call' as const, toolCallId: c.id, toolName: c.name, input: c.args }));
      out.push({ role: 'assistant', content: [...(m.content ? [{ type: 'text' as const, text: m.content }] : []), ...calls] });
    } else {
      const part = { type: 'tool-result' as const, toolCallId: m.toolCallId, toolName: m.name, output: { type: m.isError ? ('error-text' as const) : ('text' as const), value: m.content } };
      const last = out.at(-1);
      if (last?.role === 'tool') last.content.push(part);
      else out.push({ role: 'tool', content: [part] });
    }
  }
  return out;
}

/** Our request as the specification's call options. */
export function toAiSdkCallOptions(req: LLMRequest, signal: AbortSignal | undefined): AiSdkCallOptions {
  const tools = req.tools ?? [];
  return {
    prompt: toAiSdkPrompt(req.system, req.messages),
    ...(tools.length ? { tools: tools.map((t) => ({ type: 'function' as const, name: t.name, description: t.description, inputSchema: t.inputSchema })) } : {}),
    ...(tools.length ? { toolChoice: { type: req.toolChoice ?? 'auto' } } : {}),
    ...(req.maxTokens !== undefined ? { maxOutputTokens: req.maxTokens } : {}),
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.stop?.length ? { stopSequences: req.stop } : {}),
    ...(signal ? { abortSignal: signal } : {}),
  };
}

/** The specification's usage as ours: its input total already includes the cached tokens, and its output total the reasoning ones, as ours do. */
export function usageOfAiSdk(u: AiSdkUsage | undefined): Usage {
  return toUsage({
    inputTokens: u?.inputTokens.total ?? 0,
    outputTokens: u?.outputTokens.total ?? 0,
    cacheReadTokens: u?.inputTokens.cacheRead,
    cacheWriteTokens: u?.inputTokens.cacheWrite,
    reasoningTokens: u?.outputTokens.reasoning,
  });
}

type ToolCallContent = { type: 'tool-call'; toolCallId: string; toolName: string; input: string; providerExecuted?: boolean };

const isToolCall = (c: AiSdkContent): c is ToolCallContent => c.type === 'tool-call';

// Calls the vendor ran itself (its web search, code interpreter) are done: only client-side calls are ours to run.
function toolCallOf(c: ToolCallContent): ToolCall | undefined {
  return c.providerExecuted ? undefined : { id: c.toolCallId, name: c.toolName, args: parseToolArgs(c.input) };
}

const CONTEXT_LENGTH_CODE = /context_length_exceeded|prompt is too long|input is too long/i;

/**
 * The AI SDK's errors as ours: an `APICallError` (statusCode, responseHeaders) by its status with
 * `retry-after` honoured; one without a status (the fetch failed) as 'network'; a malformed answer as
 * 'bad_response'. Only the message is kept: never the URL, headers or request body the error holds.
 */
export function fromAiSdkError(provider: string, err: unknown, secrets: Array<string | undefined> = []): ProviderError {
  const e = (err ?? {}) as { name?: string; message?: string; statusCode?: number; responseHeaders?: Record<string, string>; responseBody?: string };
  const message = e.message ?? String(err);
  if (typeof e.statusCode === 'number') {
    const code = CONTEXT_LENGTH_CODE.test(`${message} ${e.responseBody ?? ''}`) ? 'context_length' : undefined;
    return providerError(provider, { status: e.statusCode, headers: e.responseHeaders, message, code }, secrets);
  }
  const name = e.name ?? '';
  if (/timeout/i.test(name)) return providerError(provider, { message: 'request timed out', code: 'timeout' }, secrets);
  if (/InvalidResponseData|JSONParse|TypeValidation|EmptyResponseBody|NoContentGenerated/.test(name)) {
    return providerError(provider, { message: `unusable response: ${message}`, code: 'bad_response' }, secrets);
  }
  return providerError(provider, { message: `connection failed: ${message}`, code: 'network' }, secrets);
}

interface StreamState {
  text: string;
  model: string;
  finish?: AiSdkFinishReason;
  usage?: AiSdkUsage;
  /** Tool calls by id, in the order they started: assembled from input deltas, replaced by the final tool-call part. */
  calls: Map<string, ToolCallContent>;
}

/** Folds one stream part into the state; returns the text delta to yield, if any. */
function foldPart(state: StreamState, part: AiSdkStreamPart): string | undefined {
  const p = part as AiSdkStreamPart & Record<string, never>;
  switch (part.type) {
    case 'text-delta':
      state.text += p.delta;
      return p.delta || undefined;
    case 'tool-input-start':
      state.calls.set(p.id, { type: 'tool-call', toolCallId: p.id, toolName: p.toolName, input: '', providerExecuted: p.providerExecuted });
      return undefined;
    case 'tool-input-delta': {
      const call = state.calls.get(p.id);
      if (call) call.input += p.delta;
      return undefined;
    }
    case 'tool-call':
      state.calls.set(p.toolCallId, p as unknown as ToolCallContent);
      return undefined;
    case 'response-metadata':
      state.model = p.modelId || state.model;
      return undefined;
    case 'finish':
      state.usage = p.usage;
      state.finish = p.finishReason;
      return undefined;
    case 'error':
      throw new StreamPartError(p.error);
    default:
      return undefined;
  }
}

/** Carries an error the stream reported as a part, so it is mapped like a thrown one. */
class StreamPartError extends Error {
  constructor(readonly error: unknown) {
    super('stream error part');
  }
}

async function* streamEvents(stream: ReadableStream<AiSdkStreamPart>, provider: string, model: string): AsyncIterable<StreamEvent> {
  const state: StreamState = { text: '', model, calls: new Map() };
  const reader = stream.getReader();
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      const delta = foldPart(state, r.value);
      if (delta) yield { type: 'text', delta };
    }
  } finally {
    // The consumer stopped early or a part failed: tell the model to stop producing.
    await reader.cancel().catch(() => undefined);
  }
  const toolCalls = [...state.calls.values()].map(toolCallOf).filter((c): c is ToolCall => c !== undefined);
  const response: LLMResponse = { text: state.text, toolCalls, usage: usageOfAiSdk(state.usage), finishReason: finishReasonOf(state.finish), model: state.model, provider };
  yield { type: 'response', response };
}

/**
 * Any AI SDK language model as an AgentNest provider, so retries, breakers, rate limits, fallback,
 * budgets, guardrails and telemetry work on it: `aiSdk(createOpenAI({ apiKey }).chat('gpt-4o'))`.
 * The model object fixes the model id, so the request's `model` is not sent; `models` names it for budgets.
 */
export function aiSdk(model: AiSdkLanguageModel, options: AiSdkOptions = {}): LLMProvider {
  const name = options.name ?? model.provider;
  const secrets = options.secrets ?? [];
  const fail = (err: unknown, signal: AbortSignal | undefined): never => {
    if (isAbort(err, signal)) throw signal?.reason ?? err;
    throw fromAiSdkError(name, err instanceof StreamPartError ? err.error : err, secrets);
  };

  return {
    name,
    models: [model.modelId],
    async complete(req: LLMRequest, opts: CallOptions = {}): Promise<LLMResponse> {
      try {
        const r = await model.doGenerate(toAiSdkCallOptions(req, opts.signal));
        const text = r.content.map((c) => (c.type === 'text' ? (c as { text: string }).text : '')).join('');
        const toolCalls = r.content.filter(isToolCall).map(toolCallOf).filter((c): c is ToolCall => c !== undefined);
        return { text, toolCalls, usage: usageOfAiSdk(r.usage), finishReason: finishReasonOf(r.finishReason), model: r.response?.modelId || model.modelId, provider: name };
      } catch (err) {
        return fail(err, opts.signal);
      }
    },
    async *stream(req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
      try {
        const { stream } = await model.doStream(toAiSdkCallOptions(req, opts.signal));
        yield* streamEvents(stream, name, model.modelId);
      } catch (err) {
        fail(err, opts.signal);
      }
    },
  };
}
