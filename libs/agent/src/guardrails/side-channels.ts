import type { RunContext } from '../run/run-state.js';
import { GuardrailTripped, type GuardrailStage } from './guardrail.js';
import { screenContext } from './run-guardrails.js';
import { screen } from './screen.js';

// Text that reaches the model and memory without being a user's message or a tool's own result:
// a person's answer to a paused call, an approver's reason, a sub-agent's reply after a resume. Each
// passes the guardrails of what it is, so no such channel skips redaction or injection fencing.

/** One stage's guardrails over `text` (unchanged when the agent has none); throws GuardrailTripped. */
export async function screenStage(ctx: RunContext, stage: GuardrailStage, text: string, tool?: string): Promise<string> {
  const guards = ctx.options.guardrails?.[stage];
  return guards?.length ? (await screen(guards, text, screenContext(ctx, stage, tool))).text : text;
}

/**
 * A person's words that the model reads as a tool call's result (an answer to askHuman, a chat
 * client's tool output): the input guardrails first, as for any message a person sends, then the
 * tool guardrails, as for any result (text that reads like instructions is fenced as data).
 */
export async function screenAnswer(ctx: RunContext, text: string, tool: string): Promise<string> {
  return screenStage(ctx, 'tool', await screenStage(ctx, 'input', text), tool);
}

/**
 * An approver's reason, before anything records it: the input guardrails, as for a message (a
 * rewrite such as a redaction is what is kept). A guardrail that trips withholds the reason, saying
 * which, rather than ending the run the approver decided.
 */
export async function screenReason(ctx: RunContext, reason: string): Promise<string> {
  try {
    return await screenStage(ctx, 'input', reason);
  } catch (err) {
    if (err instanceof GuardrailTripped) return `(the reason was withheld: the ${err.trip.guardrail} guardrail tripped)`;
    throw err;
  }
}
