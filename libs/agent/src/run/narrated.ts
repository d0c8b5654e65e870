import type { RunResult } from './agent.types.js';
import type { RunState } from './run-state.js';

/** A top-level run's result with the narrative it told its own recorder (when a NarrativeRecorder watched it). */
export function narrated<R extends RunResult>(state: RunState, result: R): R {
  return state.telling ? { ...result, narrative: state.telling.lines } : result;
}
