import type { AgentEvent, Recorder } from './agent-event.js';

/** Fans events out to recorders; a recorder that throws is reported once and never breaks the run. */
export class RecorderSet {
  private readonly recorders = new Set<Recorder>();

  constructor(private readonly onRecorderError: (err: unknown, recorder: Recorder) => void = () => {}) {}

  add(recorder: Recorder): () => void {
    this.recorders.add(recorder);
    return () => this.recorders.delete(recorder);
  }

  emit(event: AgentEvent): void {
    for (const r of this.recorders) {
      try {
        r.onEvent(event);
      } catch (err) {
        try {
          this.onRecorderError(err, r);
        } catch {
          // The error hook itself failed: nothing more can be done without risking the run.
        }
      }
    }
  }
}
