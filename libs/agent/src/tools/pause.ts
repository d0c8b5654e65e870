/** Thrown by `pauseHere` and caught by the agent loop; never escapes a run. */
export class PauseSignal {
  constructor(readonly data: unknown) {}
}

/**
 * Pauses the run from inside a tool. The run returns `{status:'paused', checkpoint, pauseData}`;
 * the answer given to `agent.resume(checkpoint, answer)` becomes this tool call's result.
 * `data` must be JSON-serialisable (it travels in the checkpoint).
 */
export function pauseHere(data: unknown): never {
  throw new PauseSignal(data);
}
