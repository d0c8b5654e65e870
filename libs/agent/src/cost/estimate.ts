import { toUsage, type LLMRequest } from '@agentnest/providers';
import { costOf, type ModelPrice } from './pricing.js';
import { fixedChars } from '../run/context-window.js';

/** Output tokens assumed for a call that sets no maxTokens. */
export const DEFAULT_OUTPUT_ESTIMATE = 1024;

/**
 * What a call may cost before it is made, for budget holds: input at ~4 characters a token over the
 * whole prompt, output at the request's maxTokens (the most the model may write).
 */
export function estimateCostUsd(request: LLMRequest, price: ModelPrice | undefined): number {
  if (!price) return 0;
  let chars = fixedChars(request);
  for (const m of request.messages) chars += m.content.length + (m.role === 'assistant' && m.toolCalls ? JSON.stringify(m.toolCalls).length : 0);
  return costOf(toUsage({ inputTokens: Math.ceil(chars / 4), outputTokens: request.maxTokens ?? DEFAULT_OUTPUT_ESTIMATE }), price);
}
