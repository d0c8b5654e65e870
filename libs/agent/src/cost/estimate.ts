import { toUsage, type LLMRequest } from '@agentnest/providers';
import type { HoldRequest } from './cost-ledger.js';
import { costOf, type ModelPrice } from './pricing.js';

type Declaration = NonNullable<LLMRequest['tools']>[number];
/** JSON length of each tool declaration: the same declarations go with every call of an agent. */
const declarationChars = new WeakMap<Declaration, number>();

/** Characters of everything in a request but its messages: system prompt and tool declarations (as the JSON array a vendor gets). */
export function fixedChars(request: Pick<LLMRequest, 'system' | 'tools'>): number {
  let chars = request.system?.length ?? 0;
  if (!request.tools?.length) return chars;
  chars += 1 + request.tools.length; // brackets and commas
  for (const tool of request.tools) {
    let n = declarationChars.get(tool);
    if (n === undefined) declarationChars.set(tool, (n = JSON.stringify(tool).length));
    chars += n;
  }
  return chars;
}

/**
 * Output tokens wanted by a call that sets no maxTokens. Under a tenant limit the call is then sent
 * with at most this many (the hold pays for no more), so set the agent's maxTokens for longer replies.
 * The Anthropic adapter's own default: a budget cuts no reply shorter than that vendor would unasked.
 */
export const DEFAULT_OUTPUT_ESTIMATE = 4096;

/**
 * What a call asks the tenant ledger to hold: its input at ~4 characters a token over the whole
 * prompt (fixed), and up to the request's maxTokens of output at the output price.
 */
export function holdFor(request: LLMRequest, price: ModelPrice | undefined): HoldRequest {
  const wantOutputTokens = request.maxTokens ?? DEFAULT_OUTPUT_ESTIMATE;
  if (!price) return { fixedUsd: 0, perOutputTokenUsd: 0, wantOutputTokens };
  let chars = fixedChars(request);
  for (const m of request.messages) chars += m.content.length + (m.role === 'assistant' && m.toolCalls ? JSON.stringify(m.toolCalls).length : 0);
  return { fixedUsd: costOf(toUsage({ inputTokens: Math.ceil(chars / 4), outputTokens: 0 }), price), perOutputTokenUsd: price.output / 1_000_000, wantOutputTokens };
}

/** The most a call may cost before it is made: its input and every output token it may write (maxTokens, or DEFAULT_OUTPUT_ESTIMATE). */
export function estimateCostUsd(request: LLMRequest, price: ModelPrice | undefined): number {
  const hold = holdFor(request, price);
  return hold.fixedUsd + hold.wantOutputTokens * hold.perOutputTokenUsd;
}
