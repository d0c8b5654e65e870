/**
 * The part of the AI SDK's language model specification (`LanguageModelV4` of `@ai-sdk/provider`) that
 * {@link aiSdk} uses, typed structurally so providers needs no AI SDK package at run time: any model
 * object from an `@ai-sdk/*` provider package fits.
 */


/** A piece of a prompt message: text, a tool call the model made, or a tool's result. */
export type AiSdkPromptPart =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'tool-result'; toolCallId: string; toolName: string; output: { type: 'text' | 'error-text'; value: string } };

/** One prompt message in the specification's shape. */
export type AiSdkPromptMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: Array<Extract<AiSdkPromptPart, { type: 'text' }>> }
  | { role: 'assistant'; content: Array<Exclude<AiSdkPromptPart, { type: 'tool-result' }>> }
  | { role: 'tool'; content: Array<Extract<AiSdkPromptPart, { type: 'tool-result' }>> };

/** The call options {@link aiSdk} sends (a subset of the specification's `LanguageModelV4CallOptions`). */
export interface AiSdkCallOptions {
  prompt: AiSdkPromptMessage[];
  maxOutputTokens?: number;
  temperature?: number;
  stopSequences?: string[];
  tools?: Array<{ type: 'function'; name: string; description?: string; inputSchema: Record<string, unknown> }>;
  toolChoice?: { type: 'auto' } | { type: 'none' };
  abortSignal?: AbortSignal;
}

/** The specification's token counts; any figure may be absent when the vendor does not report it. */
export interface AiSdkUsage {
  inputTokens: { total: number | undefined; noCache?: number | undefined; cacheRead?: number | undefined; cacheWrite?: number | undefined };
  outputTokens: { total: number | undefined; text?: number | undefined; reasoning?: number | undefined };
}

/** Why the model stopped: the specification's unified value and the vendor's raw one. */
export interface AiSdkFinishReason {
  unified: string;
  raw?: string | undefined;
}

/** A content item of a generate result; only text and tool calls matter to {@link aiSdk}. */
export type AiSdkContent =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: string; providerExecuted?: boolean }
  | { type: string };

/** What `doGenerate` resolves with. */
export interface AiSdkGenerateResult {
  content: AiSdkContent[];
  finishReason: AiSdkFinishReason;
  usage: AiSdkUsage;
  response?: { modelId?: string };
}

/** A part of the `doStream` stream; parts {@link aiSdk} does not use pass by unread. */
export type AiSdkStreamPart =
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'tool-input-start'; id: string; toolName: string; providerExecuted?: boolean }
  | { type: 'tool-input-delta'; id: string; delta: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: string; providerExecuted?: boolean }
  | { type: 'response-metadata'; modelId?: string }
  | { type: 'finish'; usage: AiSdkUsage; finishReason: AiSdkFinishReason }
  | { type: 'error'; error: unknown }
  | { type: string };

/** An AI SDK language model (specification v4, as the `ai` 7 package uses), e.g. `createOpenAI(...).chat('gpt-4o')`. */
export interface AiSdkLanguageModel {
  readonly specificationVersion: string;
  readonly provider: string;
  readonly modelId: string;
  /** Makes one call and resolves with the whole answer (no retries: those are ours). */
  doGenerate(options: AiSdkCallOptions): PromiseLike<AiSdkGenerateResult>;
  /** Makes one streamed call and resolves with its stream of parts. */
  doStream(options: AiSdkCallOptions): PromiseLike<{ stream: ReadableStream<AiSdkStreamPart> }>;
}
