import type { LLMResponse, StreamEvent } from '@agentnest/providers';
import { AgentError, RunAbortedError } from '../errors/agent.errors.js';

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunAbortedError({ cause: signal.reason });
}

/** What waits on each signal: one 'abort' listener per signal serves every race on it (EventTarget listeners are slow to add and remove, and a run races every step). */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

function onAbort(signal: AbortSignal, fire: () => void): () => void {
  let set = waiting.get(signal);
  if (!set) {
    const fresh = new Set<() => void>();
    set = fresh;
    waiting.set(signal, fresh);
    signal.addEventListener('abort', () => {
      for (const f of fresh) f();
      fresh.clear();
    }, { once: true });
  }
  set.add(fire);
  return () => set.delete(fire);
}

/**
 * Settles with `work`, or rejects with RunAbortedError the moment `signal` aborts, so a step that
 * ignores its signal (a tool that never checks it) still cannot keep the run alive.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const stop = onAbort(signal, () => reject(new RunAbortedError({ cause: signal.reason })));
    work.then(
      (v) => {
        stop();
        resolve(v);
      },
      (e: unknown) => {
        stop();
        reject(signal.aborted ? new RunAbortedError({ cause: signal.reason }) : e);
      },
    );
  });
}

/**
 * Reads a model stream to its final response, handing each text delta to `onDelta`. Every read is
 * raced against `signal`, and an abort closes the stream so the vendor connection is released.
 */
export async function consumeStream(stream: AsyncIterable<StreamEvent>, signal: AbortSignal, onDelta: (delta: string) => void): Promise<LLMResponse> {
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await raceAbort(iterator.next(), signal);
      if (next.done) throw new AgentError('provider_protocol', 'the model stream ended without a final response');
      if (next.value.type === 'text') onDelta(next.value.delta);
      else return next.value.response;
    }
  } finally {
    // Returning early (final response, abort or error) tells the provider to stop reading.
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
