// Kept apart from openai-client.ts: these public types must not pull the optional SDK's types in.

export interface OpenAIClientOptions {
  apiKey: string;
  /** Any OpenAI-compatible server (vLLM, Ollama, LiteLLM...); @default the SDK's */
  baseURL?: string;
  organization?: string;
  /** Per-request timeout; @default 60000 */
  timeoutMs?: number;
}
