import { RunAbortedError } from './agent.errors.js';

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunAbortedError({ cause: signal.reason });
}

/**
 * Settles with `work`, or rejects with RunAbortedError the moment `signal` aborts, so a step that
 * ignores its signal (a tool that never checks it) still cannot keep the run alive.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RunAbortedError({ cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? new RunAbortedError({ cause: signal.reason }) : e);
      },
    );
  });
}
