import type { LLMMessage, LLMRequest, LLMResponse } from '@agentnest/providers';
import { OutputInvalidError } from '../errors/agent.errors.js';
import type { OutputTier } from '../output/output-options.js';
import { callModel } from './model-call.js';
import type { RunContext } from './run-state.js';
import { checkReply, lastTiers, repairRequest } from '../output/structured-output.js';

/**
 * Structured output in tiers: the reply as it came; else one repair round (the model sees the
 * validation errors; the exchange is not kept in memory); else the agent's fallback; else its canned value.
 */
export async function structuredOutput(ctx: RunContext, history: LLMMessage[], tools: NonNullable<LLMRequest['tools']>, response: LLMResponse): Promise<{ value: unknown; tier: OutputTier }> {
  const { state } = ctx;
  const schema = state.output!;
  const first = checkReply(schema, response.text);
  if (first.ok) return served(ctx, 'model', first.value, []);
  const failures = [`model: ${first.errors.join('; ')}`];
  state.turn.push({ role: 'user', content: repairRequest(first.errors) });
  const repaired = await callModel(ctx, history, tools, true, 'This is a repair request: answer with the corrected JSON only.');
  state.turn.pop();
  const second = checkReply(schema, repaired.text);
  if (second.ok) return served(ctx, 'repair', second.value, failures);
  failures.push(`repair: ${second.errors.join('; ')}`);
  const last = await lastTiers(schema, ctx.options.output, new OutputInvalidError(second.errors, repaired.text), (tier, errors) => failures.push(`${tier}: ${errors.join('; ')}`)).catch((err: unknown) => {
    ctx.emit({ type: 'output', tier: 'none', failures });
    throw err;
  });
  return served(ctx, last.tier, last.value, failures);
}

/** Reports which tier served (and what failed before it) and returns its value. */
function served(ctx: RunContext, tier: OutputTier, value: unknown, failures: string[]): { value: unknown; tier: OutputTier } {
  ctx.emit({ type: 'output', tier, failures });
  return { value, tier };
}
