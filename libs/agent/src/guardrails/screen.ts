import { isThenable, type MaybePromise } from '@agentnest/providers';
import { RunAbortedError } from '../errors/agent.errors.js';
import type { AgentEventBody } from '../events/agent-event.js';
import { GuardrailTripped, type Guardrail, type GuardrailInput, type GuardrailVerdict } from './guardrail.js';

/** What running guardrails needs besides the text: the rest of their input, and where decisions are reported. */
export interface ScreenContext extends Omit<GuardrailInput, 'text'> {
  emit(body: AgentEventBody): void;
}

/** The text after the guardrails, and the placeholders the rewrites put in it (for the caller's reply). */
export interface Screened {
  /** The text as the guardrails left it. */
  text: string;
  /** Placeholder to original, for the reply to the same caller (empty without a restoring rewrite). */
  restore: Record<string, string>;
}

const VERDICTS = new Set(['pass', 'rewrite', 'trip']);

/**
 * One guardrail's verdict, reported; a guardrail that throws counts as tripped (it fails closed), an
 * abort goes on. A promise only when the check returns one: most checks (patterns, lengths) are
 * synchronous, and each run screens its message.
 */
function decide(guard: Guardrail, input: GuardrailInput, ctx: ScreenContext): MaybePromise<GuardrailVerdict> {
  const started = performance.now();
  const report = (verdict: GuardrailVerdict) => {
    if (!verdict || !VERDICTS.has(verdict.action) || (verdict.action === 'rewrite' && typeof verdict.text !== 'string')) verdict = { action: 'trip', reason: 'the guardrail gave no verdict' };
    const reason = verdict.action === 'pass' ? undefined : verdict.reason;
    ctx.emit({ type: 'guardrail', guardrail: guard.name, stage: input.stage, action: verdict.action, ...(reason ? { reason } : {}), ...(input.tool ? { tool: input.tool } : {}), durationMs: performance.now() - started });
    return verdict;
  };
  const failed = (err: unknown) => {
    if (err instanceof RunAbortedError || input.signal.aborted) throw err;
    const code = (err as { code?: unknown } | null)?.code;
    // Never the message: it may quote the text being checked.
    return report({ action: 'trip', reason: `the guardrail failed (${typeof code === 'string' ? code : err instanceof Error ? err.name : 'error'})` });
  };
  let checked: MaybePromise<GuardrailVerdict>;
  try {
    checked = guard.check(input);
  } catch (err) {
    return failed(err);
  }
  return isThenable(checked) ? checked.then(report, failed) : report(checked);
}

/** Runs guardrails one after the other, each on the text the previous one left; throws GuardrailTripped on a trip. */
export async function screen(guards: readonly Guardrail[], text: string, ctx: ScreenContext): Promise<Screened> {
  const { emit: _emit, ...base } = ctx;
  let current = text;
  const restore: Record<string, string> = {};
  for (const guard of guards) {
    const decided = decide(guard, { ...base, text: current }, ctx);
    const verdict = isThenable(decided) ? await decided : decided;
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
      // Started now, each in its own promise (a throw in one rejects like a failed check would).
      new Promise<GuardrailVerdict>((settle) => settle(decide(guard, { ...base, text }, ctx))).then((verdict) => {
        if (verdict.action === 'trip') resolve(new GuardrailTripped({ guardrail: guard.name, stage: 'input', reason: verdict.reason }));
        else if (verdict.action === 'rewrite') resolve(new GuardrailTripped({ guardrail: guard.name, stage: 'input', reason: 'a guardrail running beside the model call cannot rewrite the message (use mode "before")' }));
        else if (--left === 0) resolve(undefined);
      }, reject);
    }
  });
}
