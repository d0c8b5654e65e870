// Kept apart from openai-client.ts: these public types must not pull the optional SDK's types in.

/** How to reach OpenAI or an OpenAI-compatible server; shared by {@link openai} and {@link openaiEmbedder}. */
export interface OpenAIClientOptions {
  apiKey: string;
  /** Any OpenAI-compatible server (vLLM, Ollama, LiteLLM...); @default the SDK's */
  baseURL?: string;
  /** Sent as the `OpenAI-Organization` header; @default none (the key's default organization) */
  organization?: string;
  /** Per-request timeout; @default 60000 */
  timeoutMs?: number;
}
