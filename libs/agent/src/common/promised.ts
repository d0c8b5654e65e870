/**
 * Calls `work` and returns its promise; a synchronous throw comes back as a rejected promise, as
 * from an async function. For wrappers on a run's hot path that only check and forward: an async
 * function there adds promises of its own (and their context hooks) to every run.
 */
export function promised<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work();
  } catch (err) {
    return Promise.reject(err);
  }
}
