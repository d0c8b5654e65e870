import type { RequestIdentity } from '../../context/request-identity.js';
import type { RunStreamEvent } from '../streams/run-events.js';
import type { RunPatch, RunRegistry, RunStatus } from '../runs/run-registry.js';

const RUNNING: RunStreamEvent = { type: 'status', status: 'running' };

/**
 * A worker's hold on one run's record: the move to running (the claim) and the move out of it.
 *
 * A retry, a takeover or a continuation claims before it runs (`open([])`), so a run that finished
 * or was cancelled meanwhile does not run again. A fresh job (its first delivery) cannot have run
 * before, and a cancel never marks a run whose job a worker holds as cancelled (AgentJobs.cancel
 * removes a waiting job first, and BullMQ removes no job a worker holds): so a fresh run claims with
 * its stream's first write instead (`open` as the recorder's opening), and one that finishes before
 * that write moves from queued to its final status in one script, the running event and the start
 * fields included. That saves a round trip per run; the record shows `running` within the
 * recorder's window.
 */
export class RunClaim {
  private state: 'pending' | 'claimed' | 'refused' | 'unknown' = 'pending';
  private claiming?: Promise<unknown>;

  constructor(
    private readonly registry: RunRegistry,
    readonly owner: RequestIdentity,
    readonly runId: string,
    /** What the claim sets: start time, attempts, trace. */
    private readonly fields: RunPatch,
    /** Aborted when the claim is refused (the run was erased) or finds a cancel request. */
    private readonly controller: AbortController,
  ) {}

  /** The run's record is gone or no longer the worker's (finished, erased): the run must write nothing. */
  get refused(): boolean {
    return this.state === 'refused';
  }

  /** Claims the run now, appending its running event and then `events`; rejects when Redis does. */
  readonly open = (events: RunStreamEvent[]): Promise<unknown> =>
    (this.claiming = this.registry.claim(this.owner, this.runId, this.fields, [RUNNING, ...events]).then(
      (claimed) => {
        this.state = claimed ? 'claimed' : 'refused';
        if (!claimed || claimed.cancelRequested) this.controller.abort(new Error('cancelled'));
      },
      (err: unknown) => {
        // Sent, but whether it landed is not known: the finish accepts either status.
        this.state = 'unknown';
        throw err;
      },
    ));

  /** Moves the run from running (or from queued, unclaimed) to `to` with `fields`, appending `events`; nothing for a refused claim. */
  async finish(to: RunStatus, fields: RunPatch, events: RunStreamEvent[]): Promise<void> {
    await this.claiming?.catch(() => undefined);
    if (this.state === 'refused') return;
    if (this.state === 'claimed') await this.registry.transition(this.owner, this.runId, ['running'], to, fields, { events });
    else if (this.state === 'pending') await this.registry.transition(this.owner, this.runId, ['queued'], to, { ...this.fields, ...fields }, { events: [RUNNING, ...events] });
    else await this.registry.transition(this.owner, this.runId, ['queued', 'running'], to, { ...this.fields, ...fields }, { events });
  }
}
