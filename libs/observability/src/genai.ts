// GenAI semantic convention names (development status) as this library emits them. Kept in one
// place because the conventions still rename things between releases.
import type { FinishReason } from '@agentnest/providers';

/** The span and metric attribute names the recorder writes, for queries, dashboards and assertions. */
export const ATTR = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  agentName: 'gen_ai.agent.name',
  conversationId: 'gen_ai.conversation.id',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  responseModel: 'gen_ai.response.model',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheWriteTokens: 'gen_ai.usage.cache_creation.input_tokens',
  tokenType: 'gen_ai.token.type',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  toolArguments: 'gen_ai.tool.call.arguments',
  toolResult: 'gen_ai.tool.call.result',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  errorType: 'error.type',
  // AgentNest's own, under its namespace.
  runId: 'agentnest.run.id',
  runStatus: 'agentnest.run.status',
  tenant: 'agentnest.tenant',
} as const;

/** Bucket boundaries the spec gives for gen_ai.client.token.usage ({token}). */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** Bucket boundaries the spec gives for gen_ai.client.operation.duration (s). */
export const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

/** The spec's well-known provider names for our adapters' names. */
export function providerName(adapter: string): string {
  if (adapter === 'bedrock') return 'aws.bedrock';
  return adapter;
}

/** The spec spells the AI SDK's hyphenated finish reasons with underscores. */
const FINISH: Partial<Record<FinishReason, string>> = { 'tool-calls': 'tool_calls', 'content-filter': 'content_filter' };

export function finishReason(reason: FinishReason): string {
  return FINISH[reason] ?? reason;
}
