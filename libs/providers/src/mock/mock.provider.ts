import { abortableDelay } from '../abortable-delay.js';
import { isThenable, type MaybePromise } from '../maybe-promise.js';
import type { CallOptions, FinishReason, LLMProvider, LLMRequest, LLMResponse, StreamEvent, ToolCall } from '../llm-provider.js';
import { MockRepliesExhaustedError, ProviderConfigError } from '../provider.errors.js';
import { toUsage, type UsageFigures } from '../usage.js';

/** One scripted model turn. Tool call ids are generated when omitted. */
export interface MockReply {
  text?: string;
  toolCalls?: Array<Omit<ToolCall, 'id'> & { id?: string }>;
  /** @default 'tool-calls' with tool calls, else 'stop' */
  finishReason?: FinishReason;
  usage?: MockUsage;
}

/** Usage figures to report; `totalTokens` and `noCacheTokens` are derived from them. */
export type MockUsage = UsageFigures;

/** A scripted answer: plain text, or a full reply with tool calls, usage and finish reason. */
export type MockAnswer = string | MockReply;

/** Settings for {@link mock}: exactly one of `reply`, `replies` or `respond`, plus optional usage, timing and naming. */
export interface MockOptions {
  /** The same answer to every call. */
  reply?: MockAnswer;
  /** One answer per call, in order; running out is an error naming the call. */
  replies?: MockAnswer[];
  /** Computes the answer from the request (deterministic demos, assertions on what was sent). */
  respond?: (req: LLMRequest, callNumber: number) => MockAnswer | Promise<MockAnswer>;
  /** Usage reported for every call; @default estimated at 4 characters per token. Output past the request's maxTokens is cut there (finish reason 'length'), as a vendor would. */
  usage?: MockUsage;
  /** Latency of each call, honouring AbortSignal; @default 0 */
  delayMs?: number;
  /** Provider name in responses; @default 'mock' */
  name?: string;
  /** Characters per streamed text delta; @default 8 */
  chunkSize?: number;
  /** How many recent requests `calls` keeps (a dev server runs for days); @default 100 */
  keepCalls?: number;
}

/** The provider {@link mock} returns: it always streams, and records what it was sent. */
export interface MockProvider extends LLMProvider {
  /** Streams the scripted answer in `chunkSize` pieces, then the final response. */
  stream(req: LLMRequest, opts?: CallOptions): AsyncIterable<StreamEvent>;
  /** The most recent requests received (copies of each request and its messages, oldest first, at most `keepCalls`), for assertions. */
  readonly calls: readonly LLMRequest[];
  /** How many calls were made in all. */
  readonly callCount: number;
}

const estimateTokens = (text: string) => Math.ceil(text.length / 4);

function requestText(req: LLMRequest): string {
  let text = req.system ?? '';
  for (const m of req.messages) text += m.content;
  return text;
}

/**
 * The request as received, for `calls`: its own message list and message objects, so a caller that
 * goes on growing its history or changing a message does not rewrite what was sent. Tool arguments
 * and schemas are shared (callers treat them as values; a deep copy would cost more than the call).
 */
const copyRequest = (req: LLMRequest): LLMRequest => ({ ...req, messages: req.messages.map((m) => ({ ...m })), ...(req.tools ? { tools: [...req.tools] } : {}) });

/**
 * A reply longer than the request's maxTokens, as a vendor cuts it: that many output tokens, the text
 * that fits (4 characters a token) and finish reason 'length'. Tool calls are dropped, as a call cut off
 * in its arguments is no call.
 */
function cutAt(response: LLMResponse, maxTokens: number): LLMResponse {
  const cap = Math.max(0, Math.floor(maxTokens));
  const usage = { ...response.usage, outputTokens: cap, totalTokens: response.usage.inputTokens + cap };
  return { ...response, text: response.text.slice(0, cap * 4), toolCalls: [], usage, finishReason: 'length' };
}

// Usage defaults to an estimate of what was sent and said (4 characters a token); the script's usage wins.
function responseOf(req: LLMRequest, answer: MockReply, callNumber: number, provider: string, usage: MockOptions['usage']): LLMResponse {
  const text = answer.text ?? '';
  const toolCalls = (answer.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_${callNumber}_${i + 1}`, name: c.name, args: c.args ?? {} }));
  const { inputTokens, outputTokens, inputTokenDetails } = {
    inputTokens: estimateTokens(requestText(req)),
    outputTokens: estimateTokens(text + toolCalls.map((c) => c.name + JSON.stringify(c.args)).join('')),
    ...usage,
    ...answer.usage,
  };
  return {
    text,
    toolCalls,
    usage: toUsage({ inputTokens, outputTokens, ...inputTokenDetails }),
    finishReason: answer.finishReason ?? (toolCalls.length ? 'tool-calls' : 'stop'),
    model: req.model,
    provider,
  };
}

/** A complete in-process provider for development and tests: scripted text, tool calls, usage, finish reasons, delay and streaming. */
export function mock(options: MockOptions): MockProvider {
  const sources = [options.reply, options.replies, options.respond].filter((s) => s !== undefined).length;
  if (sources !== 1) throw new ProviderConfigError('mock() needs exactly one of reply, replies or respond');
  if (options.delayMs !== undefined && !(options.delayMs >= 0)) throw new ProviderConfigError('mock(): delayMs must be >= 0');
  const name = options.name ?? 'mock';
  const chunkSize = Math.max(1, options.chunkSize ?? 8);
  const keepCalls = Math.max(0, options.keepCalls ?? 100);
  const calls: LLMRequest[] = [];
  let callCount = 0;

  /** The scripted answer: a promise only when `respond` returns one (no extra promises per call otherwise). */
  function answerFor(req: LLMRequest, callNumber: number): MaybePromise<MockAnswer> {
    if (options.respond) return options.respond(req, callNumber);
    if (!options.replies) return options.reply!;
    if (callNumber > options.replies.length) throw new MockRepliesExhaustedError(callNumber, options.replies.length);
    return options.replies[callNumber - 1];
  }

  async function complete(req: LLMRequest, opts: CallOptions = {}): Promise<LLMResponse> {
    opts.signal?.throwIfAborted();
    const callNumber = ++callCount;
    if (keepCalls > 0) calls.push(copyRequest(req));
    if (calls.length > keepCalls) calls.shift();
    if (options.delayMs) await abortableDelay(options.delayMs, opts.signal);
    const scripted = answerFor(req, callNumber);
    const found = isThenable(scripted) ? await scripted : scripted;
    const response = responseOf(req, typeof found === 'string' ? { text: found } : found, callNumber, name, options.usage);
    return req.maxTokens !== undefined && response.usage.outputTokens > req.maxTokens ? cutAt(response, req.maxTokens) : response;
  }

  async function* stream(req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
    const response = await complete(req, opts);
    for (let i = 0; i < response.text.length; i += chunkSize) {
      opts.signal?.throwIfAborted();
      yield { type: 'text', delta: response.text.slice(i, i + chunkSize) };
    }
    yield { type: 'response', response };
  }

  return {
    name,
    complete,
    stream,
    calls,
    get callCount() {
      return callCount;
    },
  };
}
