import { AgentError } from '../../errors/agent.errors.js';

/** The caller has no queued run of that id: an unknown id, a malformed one and another caller's look the same (404). */
export class RunNotFoundError extends AgentError {
  constructor() {
    super('run_not_found', 'no such run');
  }
}

/** What a run id can look like (UUIDs, and the ids callers choose for jobs); anything else names no run, before any I/O. */
export function isRunId(runId: string): boolean {
  return /^[\w-]{1,128}$/.test(runId);
}
