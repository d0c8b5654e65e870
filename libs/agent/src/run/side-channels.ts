import { GuardrailTrippedError } from '../errors/agent.errors.js';
import type { AgentEventBody } from '../events/agent-event.js';
import type { RunContext } from './run-state.js';
import { GuardrailTripped, type GuardrailStage } from '../guardrails/guardrail.js';
import { screenContext } from './run-guardrails.js';
import { screen, type Screened } from '../guardrails/screen.js';

// Text that reaches the model and memory without being a user's message or a tool's own result:
// a person's answer to a paused call, an approver's reason, a sub-agent's reply after a resume. Each
// passes the guardrails of what it is, so no such channel skips redaction or injection fencing.

/** One stage's guardrails over `text` (unchanged when the agent has none); throws GuardrailTripped. */
export async function screenStage(ctx: RunContext, stage: GuardrailStage, text: string, tool?: string): Promise<string> {
  const guards = ctx.options.guardrails?.[stage];
  return guards?.length ? (await screen(guards, text, screenContext(ctx, stage, tool))).text : text;
}

/** An answer that passed the input guardrails before its checkpoint was claimed, with what they decided and replaced. */
export interface ScreenedAnswer extends Screened {
  /** The guardrails' decisions, emitted as `guardrail` events once the resumed run has events. */
  decisions: AgentEventBody[];
}

/** The input guardrails over `text`, with the placeholders they put in it (none when the agent has none). */
async function screenInput(ctx: RunContext, text: string, emit = ctx.emit): Promise<Screened> {
  const guards = ctx.options.guardrails?.input;
  return guards?.length ? screen(guards, text, { ...screenContext(ctx, 'input'), emit }) : { text, restore: {} };
}

/**
 * A person's answer to a pause through the input guardrails, before anything is claimed or queued:
 * one a guardrail trips on is refused (GuardrailTrippedError), and the pause can be answered again.
 * The decisions are kept for the run's events, which do not exist yet.
 */
export async function prescreenAnswer(ctx: RunContext, text: string): Promise<ScreenedAnswer> {
  const decisions: AgentEventBody[] = [];
  try {
    return { ...(await screenInput(ctx, text, (d) => decisions.push(d))), decisions };
  } catch (err) {
    if (err instanceof GuardrailTripped) throw new GuardrailTrippedError(err.trip.guardrail, err.trip.stage, err.trip.reason);
    throw err;
  }
}

/**
 * A person's words that the model reads as a tool call's result (an answer to askHuman, a chat
 * client's tool output): the input guardrails first, as for any message a person sends (unless
 * `screened` says they ran already), then the tool guardrails, as for any result (text that reads
 * like instructions is fenced as data). Placeholders join the run's, for the caller's reply.
 */
export async function screenAnswer(ctx: RunContext, text: string, tool: string, screened?: ScreenedAnswer): Promise<string> {
  for (const d of screened?.decisions ?? []) ctx.emit(d);
  const input = screened ?? (await screenInput(ctx, text));
  if (Object.keys(input.restore).length) ctx.state.restore = { ...ctx.state.restore, ...input.restore };
  return screenStage(ctx, 'tool', input.text, tool);
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
