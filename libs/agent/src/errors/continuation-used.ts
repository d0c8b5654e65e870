import { AgentError } from './agent.errors.js';

// A continuation of a checkpoint that failed after one of its tools started must not run again:
// the tool's effects (a refund, a booking) may have happened. The error carries that fact to
// whoever would retry it: the checkpoint is not given back, and a queued job fails instead of retrying.
const USED = Symbol.for('agentnest.continuationUsed');

/** Marks `err` as thrown after the continuation ran a tool; returns what to throw. */
export function markContinuationUsed(err: unknown): unknown {
  const marked = typeof err === 'object' && err !== null && Object.isExtensible(err) ? err : new AgentError('internal_error', String(err), { cause: err });
  if (!continuationUsed(marked)) Object.defineProperty(marked, USED, { value: true });
  return marked;
}

/** Whether `err` was thrown after a continuation of a checkpoint ran a tool (so retrying could run it twice). */
export function continuationUsed(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[USED] === true;
}
