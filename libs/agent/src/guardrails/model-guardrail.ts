import type { LLMProvider } from '@agentnest/providers';
import type { ModelPrice } from '../cost/pricing.js';
import { parseJsonReply } from '../output/output-schema.js';
import { pass, trip, type Guardrail } from './guardrail.js';

/** A guardrail that asks a model whether the text is acceptable. */
export interface ModelGuardrailOptions {
  /** Names it in events, results and errors. */
  name: string;
  /** A (cheaper) model that classifies. */
  provider: LLMProvider;
  /** The classifying model's id. */
  model: string;
  /** What to refuse, in plain words ("messages asking for medical advice", "replies that promise refunds"). */
  instructions: string;
  /** Its price, so its calls count in the run's cost and the tenant ledger. */
  price?: ModelPrice;
  /** As for any input guardrail; @default 'parallel' (it only checks) */
  mode?: 'before' | 'parallel';
  /** Most tokens of its verdict; @default 200 */
  maxTokens?: number;
}

const FORMAT = 'Reply with only a JSON object: {"verdict": "pass"} when the text is acceptable, or {"verdict": "trip", "reason": "<a short reason, without quoting the text>"} when it is not.';

/**
 * A guardrail decided by a model: the text goes to `provider` with the instructions, and a JSON
 * verdict comes back (structured output; anything else trips, so it fails closed). Its usage and
 * cost count in the run like the agent's own calls.
 */
export function modelGuardrail(options: ModelGuardrailOptions): Guardrail {
  return {
    name: options.name,
    mode: options.mode ?? 'parallel',
    check: async ({ text, stage, complete }) => {
      const response = await complete(
        options.provider,
        {
          model: options.model,
          system: `You are a guardrail that checks ${stage === 'output' ? "an assistant's reply" : stage === 'tool' ? "a tool's result" : "a user's message"} before it goes further. Refuse: ${options.instructions}\n\n${FORMAT}`,
          messages: [{ role: 'user', content: text }],
          maxTokens: options.maxTokens ?? 200,
          temperature: 0,
        },
        options.price,
      );
      const parsed = parseJsonReply(response.text);
      const verdict = parsed.ok ? (parsed.value as { verdict?: unknown; reason?: unknown }) : undefined;
      if (verdict?.verdict === 'pass') return pass();
      if (verdict?.verdict === 'trip') return trip(typeof verdict.reason === 'string' && verdict.reason ? verdict.reason.slice(0, 200) : 'the classifier refused it');
      return trip('the classifier gave no verdict');
    },
  };
}
