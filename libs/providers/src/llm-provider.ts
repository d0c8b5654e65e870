import type { ProviderEvent } from './resilience/provider-event.js';

/** A tool call the model asked for. `args` is the parsed JSON object the model produced. */
export interface ToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** One message of the conversation sent to a provider. */
export type LLMMessage =
  | { role: 'user'; content: string }
  /** `agent`: which agent wrote it, in conversations several agents take part in (never sent to a vendor). */
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[]; agent?: string }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

/** A tool the model may call, described by a JSON Schema for its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** What to ask the model: the conversation, the tools it may call and the sampling limits. Vendor-neutral; each adapter maps it. */
export interface LLMRequest {
  /** The vendor's model id; an adapter falls back to its `defaultModel` when this is empty. */
  model: string;
  system?: string;
  messages: LLMMessage[];
  tools?: ToolSpec[];
  /** 'none' keeps the tools declared (history may reference them) but forbids new calls; @default 'auto' */
  toolChoice?: 'auto' | 'none';
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
}

/**
 * Tokens one call (or a run) used, in the AI SDK's names and meanings: `inputTokens` counts every
 * prompt token, cached ones included; `inputTokenDetails` splits them, present only when the vendor
 * reported cache tokens.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Always `inputTokens + outputTokens`. */
  totalTokens: number;
  inputTokenDetails?: { noCacheTokens: number; cacheReadTokens?: number; cacheWriteTokens?: number };
  /** Splits `outputTokens`, present only when the vendor reported reasoning tokens (already counted in `outputTokens`). */
  outputTokenDetails?: { textTokens: number; reasoningTokens: number };
}

/** Why the model stopped, normalised across vendors (the AI SDK's values). */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

/** The model's finished turn, normalised across vendors. */
export interface LLMResponse {
  /** The text the model generated (empty when it only called tools). */
  text: string;
  toolCalls: ToolCall[];
  usage: Usage;
  finishReason: FinishReason;
  model: string;
  provider: string;
}

/** A streamed piece: text deltas as they arrive, then exactly one final `response`. */
export type StreamEvent = { type: 'text'; delta: string } | { type: 'response'; response: LLMResponse };

/** Per-call settings that travel through every wrapper down to the vendor adapter. */
export interface CallOptions {
  /** Cancels the call, including any retry or rate-limit wait. */
  signal?: AbortSignal;
  /** The tenant the call is made for (per-tenant rate-limit budgets). */
  tenant?: string;
  /** Receives every retry, fallback, breaker change and rate-limit decision taken for this call. */
  onEvent?: (event: ProviderEvent) => void;
}

/** The LLM boundary: every vendor adapter and wrapper implements this, nothing vendor-specific leaks past it. */
export interface LLMProvider {
  readonly name: string;
  /**
   * Models this provider may answer with whatever model the request names (withModel's, a fallback
   * chain's): a budget must hold at the dearest of them and the request's, not at the request's alone.
   */
  readonly models?: readonly string[];
  /** Sends the request and resolves with the whole response. */
  complete(req: LLMRequest, opts?: CallOptions): Promise<LLMResponse>;
  /** Sends the request and yields text as it arrives, then the final response; absent when the provider cannot stream. */
  stream?(req: LLMRequest, opts?: CallOptions): AsyncIterable<StreamEvent>;
}
