import type { AgentEvent, Recorder } from './agent-event.js';
import { NarrativeRecorder } from './narrative.recorder.js';

/** Fans events out to recorders; a recorder that throws is reported once and never breaks the run. */
export class RecorderSet {
  private readonly recorders = new Set<Recorder>();

  constructor(private readonly onRecorderError: (err: unknown, recorder: Recorder) => void = () => {}) {}

  [Symbol.iterator](): Iterator<Recorder> {
    return this.recorders.values();
  }

  /** This set plus `more` (each recorder once); itself when it holds them all already. */
  with(more: Iterable<Recorder>): RecorderSet {
    let grown: RecorderSet | undefined;
    for (const r of more) {
      if (this.recorders.has(r) || grown?.recorders.has(r)) continue;
      if (!grown) {
        grown = new RecorderSet(this.onRecorderError);
        for (const mine of this.recorders) grown.recorders.add(mine);
      }
      grown.recorders.add(r);
    }
    return grown ?? this;
  }

  /** True when a NarrativeRecorder is among these: the run then narrates its own result too. */
  get narrates(): boolean {
    for (const r of this.recorders) if (r instanceof NarrativeRecorder) return true;
    return false;
  }

  /** No recorder: a run can skip building its events. */
  get empty(): boolean {
    return this.recorders.size === 0;
  }

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

  /** Runs `work` inside every recorder's scope (innermost first); a recorder whose scope fails before running `work` is skipped. */
  scope<T>(event: AgentEvent, work: () => T): T {
    let run = work;
    for (const r of this.recorders) {
      if (!r.scope) continue;
      const inner = run;
      run = () => {
        let entered = false;
        try {
          return r.scope!(event, () => {
            entered = true;
            return inner();
          });
        } catch (err) {
          // An error from the work itself goes on; a broken recorder only loses its scope.
          if (entered) throw err;
          return inner();
        }
      };
    }
    return run();
  }
}
