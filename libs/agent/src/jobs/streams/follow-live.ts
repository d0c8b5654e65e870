import type { RequestIdentity } from '../../context/request-identity.js';
import { isFinal, type RunEvents, type StoredRunEvent } from './run-events.js';
import type { RunRegistry } from '../runs/run-registry.js';
import type { RunStreamHub } from './run-stream-hub.js';

/** @default 1 s: how long a live stream waits for an event before it checks that its run was not erased */
const IDLE_CHECK_MS = 1_000;

/** What a live stream reads from: the stored events, the shared blocking readers, and the run records. */
export interface LiveSources {
  events: RunEvents;
  hub: RunStreamHub;
  registry: RunRegistry;
}

/**
 * A run's events after `after`, as they come: what is stored first, then what the shared readers
 * see, ending after a final status, when `signal` aborts, or when the run was erased (its stream is
 * deleted with it, so no final event would ever come). `release` runs when it ends, however it ends.
 */
export async function* followLive(from: LiveSources, owner: RequestIdentity, runId: string, after: string, signal: AbortSignal, release: () => void): AsyncGenerator<StoredRunEvent> {
  const queue: StoredRunEvent[] = [];
  let wakeUp: (() => void) | undefined;
  let stop: (() => void) | undefined;
  const onAbort = () => wakeUp?.();
  signal.addEventListener('abort', onAbort);
  try {
    // What is stored already comes from the shared connection; the hub follows from the last of it.
    let cursor = after;
    for (;;) {
      const stored = await from.events.read(owner, runId, cursor);
      for (const e of stored) {
        yield e;
        cursor = e.id;
        if (isFinal(e.event)) return;
      }
      if (stored.length < 1000) break;
    }
    stop = from.hub.watch(from.events.key(owner, runId), cursor, (events) => {
      queue.push(...events);
      wakeUp?.();
    });
    while (!signal.aborted) {
      const next = queue.shift();
      if (!next) {
        let timer: NodeJS.Timeout | undefined;
        const woke = await new Promise<boolean>((resolve) => {
          wakeUp = () => resolve(true);
          timer = setTimeout(() => resolve(false), IDLE_CHECK_MS);
        });
        clearTimeout(timer);
        wakeUp = undefined;
        // An erasure deletes the run with its stream, so no final event will come: the follower ends it.
        if (!woke && !signal.aborted && !(await from.registry.exists(owner, runId))) {
          yield { id: `${Date.now()}-0`, event: { type: 'status', status: 'cancelled', error: { code: 'run_erased', message: 'the run was erased' } } };
          return;
        }
        continue;
      }
      yield next;
      if (isFinal(next.event)) return;
    }
  } finally {
    stop?.();
    signal.removeEventListener('abort', onAbort);
    release();
  }
}
