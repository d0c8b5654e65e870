import type { StepResult } from './step.js';

/** Says, after a step, whether the run stops calling tools: the next model call is its last and may call none. */
export type StopCondition = (options: { steps: StepResult[] }) => boolean | PromiseLike<boolean>;

/** @default 10 model calls that may request tools before one last call without tools */
export const DEFAULT_MAX_ITERATIONS = 10;
/** The most steps any run takes, whatever its stop conditions: maxIterations' upper bound. */
export const MAX_STEPS = 100;

/** Conditions made here read steps without changing them: they are given the run's own array, not a copy. */
const ownConditions = new WeakSet<StopCondition>();
const own = (condition: StopCondition): StopCondition => {
  ownConditions.add(condition);
  return condition;
};

/** Stops once the run has taken `count` steps. */
export const stepCountIs = (count: number): StopCondition => own(({ steps }) => steps.length >= count);

/** Stops after a step that called the tool named `toolName`. */
export const hasToolCall = (toolName: string): StopCondition => own(({ steps }) => steps.at(-1)?.toolCalls.some((c) => c.name === toolName) ?? false);

/**
 * A run's stop conditions: `stopWhen` when given (with `maxIterations` too when that is given),
 * else `stepCountIs(maxIterations)`; every run also stops at MAX_STEPS.
 */
export function stopConditions(stopWhen: StopCondition | StopCondition[] | undefined, maxIterations: number | undefined): StopCondition[] {
  if (stopWhen === undefined) return [stepCountIs(maxIterations ?? DEFAULT_MAX_ITERATIONS)];
  return [...(Array.isArray(stopWhen) ? stopWhen : [stopWhen]), stepCountIs(maxIterations ?? MAX_STEPS)];
}

/**
 * True when any condition stops the run after `steps`; a condition of the caller's gets a copy, so
 * it cannot change the run. Synchronous while the conditions are (the run's hot path awaits nothing more).
 */
export function isStopped(conditions: readonly StopCondition[], steps: StepResult[], from = 0): boolean | Promise<boolean> {
  for (let i = from; i < conditions.length; i++) {
    const condition = conditions[i];
    const verdict = condition({ steps: ownConditions.has(condition) ? steps : structuredClone(steps) });
    if (typeof verdict === 'boolean') {
      if (verdict) return true;
      continue;
    }
    return Promise.resolve(verdict).then((stop) => stop || isStopped(conditions, steps, i + 1));
  }
  return false;
}

/** Checks a `stopWhen` option; returns what is wrong with it, or undefined. */
export function stopWhenProblem(stopWhen: unknown): string | undefined {
  const list = Array.isArray(stopWhen) ? stopWhen : [stopWhen];
  if (!list.length) return 'stopWhen must be a condition or a non-empty array of conditions';
  return list.every((c) => typeof c === 'function') ? undefined : 'stopWhen must be a function ({ steps }) => boolean, or an array of them';
}
