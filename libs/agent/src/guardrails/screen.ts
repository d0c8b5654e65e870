import { RunAbortedError } from '../agent.errors.js';
import type { AgentEventBody } from '../events/agent-event.js';
import { GuardrailTripped, type Guardrail, type GuardrailInput, type GuardrailVerdict } from './guardrail.js';

/** What running guardrails needs besides the text: the rest of their input, and where decisions are reported. */
export interface ScreenContext extends Omit<GuardrailInput, 'text'> {
  emit(body: AgentEventBody): void;
}

/** The text after the guardrails, and the placeholders the rewrites put in it (for the caller's reply). */
export interface Screened {
  text: string;
  restore: Record<string, string>;
}

/** One guardrail's verdict, reported; a guardrail that throws counts as tripped (it fails closed), an abort goes on. */
async function decide(guard: Guardrail, input: GuardrailInput, ctx: ScreenContext): Promise<GuardrailVerdict> {
  const started = performance.now();
  let verdict: GuardrailVerdict;
  try {
    verdict = await guard.check(input);
    if (!verdict || !['pass', 'rewrite', 'trip'].includes(verdict.action) || (verdict.action === 'rewrite' && typeof verdict.text !== 'string')) verdict = { action: 'trip', reason: 'the guardrail gave no verdict' };
  } catch (err) {
    if (err instanceof RunAbortedError || input.signal.aborted) throw err;
    const code = (err as { code?: unknown } | null)?.code;
    // Never the message: it may quote the text being checked.
    verdict = { action: 'trip', reason: `the guardrail failed (${typeof code === 'string' ? code : err instanceof Error ? err.name : 'error'})` };
  }
  const reason = verdict.action === 'pass' ? undefined : verdict.reason;
  ctx.emit({ type: 'guardrail', guardrail: guard.name, stage: input.stage, action: verdict.action, ...(reason ? { reason } : {}), ...(input.tool ? { tool: input.tool } : {}), durationMs: performance.now() - started });
  return verdict;
}

/** Runs guardrails one after the other, each on the text the previous one left; throws GuardrailTripped on a trip. */
export async function screen(guards: readonly Guardrail[], text: string, ctx: ScreenContext): Promise<Screened> {
  const { emit: _emit, ...base } = ctx;
  let current = text;
  const restore: Record<string, string> = {};
  for (const guard of guards) {
    const verdict = await decide(guard, { ...base, text: current }, ctx);
    if (verdict.action === 'trip') throw new GuardrailTripped({ guardrail: guard.name, stage: ctx.stage, reason: verdict.reason });
    if (verdict.action === 'rewrite') {
      current = verdict.text;
      Object.assign(restore, verdict.restore ?? {});
    }
  }
  return { text: current, restore };
}

/**
 * Runs `parallel` input guardrails all at once on the same text; resolves with the first trip (or
 * undefined when all pass). A rewrite from one of them counts as a trip: the model already has the text.
 */
export async function screenConcurrently(guards: readonly Guardrail[], text: string, ctx: ScreenContext): Promise<GuardrailTripped | undefined> {
  const { emit: _emit, ...base } = ctx;
  return new Promise<GuardrailTripped | undefined>((resolve, reject) => {
    let left = guards.length;
    if (!left) return resolve(undefined);
    for (const guard of guards) {
      decide(guard, { ...base, text }, ctx).then((verdict) => {
        if (verdict.action === 'trip') resolve(new GuardrailTripped({ guardrail: guard.name, stage: 'input', reason: verdict.reason }));
        else if (verdict.action === 'rewrite') resolve(new GuardrailTripped({ guardrail: guard.name, stage: 'input', reason: 'a guardrail running beside the model call cannot rewrite the message (use mode "before")' }));
        else if (--left === 0) resolve(undefined);
      }, reject);
    }
  });
}
