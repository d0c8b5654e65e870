import { Inject, Injectable } from '@nestjs/common';
import type { RequestIdentity } from '../../context/request-identity.js';
import { AGENT_JOBS_OPTIONS } from '../agent-jobs.module-definition.js';
import type { AgentJobsOptions } from '../agent-run.job.js';
import { RunRegistry } from '../runs/run-registry.js';
import { followLive } from './follow-live.js';
import { FINAL_STATUSES, isFinal, RunEvents, type StoredRunEvent } from './run-events.js';
import { RunStreamHub } from './run-stream-hub.js';
import { StreamSlots } from './stream-slots.js';
import { compareStreamIds, InvalidLastEventIdError, parseStreamId } from './stream-id.js';

/** A run's live events for one client. */
export interface RunFollow {
  /** The client already has the final event: nothing will follow. */
  upToDate: boolean;
  /** The events after the client's last one, then live ones until the run's final status. */
  events: AsyncIterable<StoredRunEvent>;
}

async function* single(event?: StoredRunEvent): AsyncGenerator<StoredRunEvent> {
  if (event) yield event;
}

/** The id a follow starts after ('0' means from the start); InvalidLastEventIdError for one no stream could have sent. */
export function followStart(afterId: string): string {
  const after = afterId === '0' ? '0-0' : afterId;
  parseStreamId(after);
  return after;
}

/** Live run streams of this process, each counted against its tenant's slots while it is open. */
@Injectable()
export class RunFollows {
  private readonly slots: StreamSlots;

  constructor(
    private readonly registry: RunRegistry,
    private readonly events: RunEvents,
    private readonly hub: RunStreamHub,
    @Inject(AGENT_JOBS_OPTIONS) options: AgentJobsOptions,
  ) {
    this.slots = new StreamSlots(options.maxStreamsPerTenant);
  }

  /**
   * The owner's run as it happens, after `after` (a stream id, '0-0' for the start): undefined for
   * a run that is not the owner's, InvalidLastEventIdError for an id past its newest event,
   * TooManyStreamsError past the tenant's live streams in this process.
   */
  async follow(owner: RequestIdentity, runId: string, after: string, signal: AbortSignal): Promise<RunFollow | undefined> {
    const record = await this.registry.get(owner, runId);
    if (!record) return undefined;
    const final = FINAL_STATUSES.has(record.status);
    const last = final || after !== '0-0' ? await this.events.last(owner, runId) : undefined;
    // An id past the newest event was never sent: following from it would silently skip everything still to come.
    if (last && after !== '0-0' && compareStreamIds(after, last.id) > 0) throw new InvalidLastEventIdError();
    if (final) {
      // The log has expired but the record has not: the record's final status is the whole stream.
      if (!last) return after === '0-0' ? { upToDate: false, events: single({ id: '0-1', event: { type: 'status', status: record.status, text: record.text, error: record.error } }) } : { upToDate: true, events: single() };
      if (isFinal(last.event) && compareStreamIds(last.id, after) <= 0) return { upToDate: true, events: single() };
    }
    const release = this.slots.take(owner.tenant);
    // The slot is freed when the stream ends or the client leaves, even if iteration never started.
    signal.addEventListener('abort', release, { once: true });
    return { upToDate: false, events: followLive({ events: this.events, hub: this.hub, registry: this.registry }, owner, runId, after, signal, release) };
  }
}
