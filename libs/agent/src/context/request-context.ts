import { AsyncLocalStorage } from 'node:async_hooks';

// One storage for the process: every request or job runs inside its own Map, and the Map follows
// the work across awaits, so singleton services read per-request values without request scope.
const storage = new AsyncLocalStorage<Map<string, unknown>>();

/** Per-request key/value context on AsyncLocalStorage (what nestjs-cls does, without its CommonJS build or Nest). */
export class RequestContext {
  /** Whether the caller runs inside a context (a request, a job, `run`). */
  isActive(): boolean {
    return storage.getStore() !== undefined;
  }

  /** Reads a value of the current context; undefined outside one. */
  get<T>(key: string): T | undefined {
    return storage.getStore()?.get(key) as T | undefined;
  }

  /** Sets a value in the current context; returns false when there is no active context. */
  set(key: string, value: unknown): boolean {
    const store = storage.getStore();
    if (!store) return false;
    store.set(key, value);
    return true;
  }

  /** Runs `work` in a new, empty context (nested runs do not see or change the outer one). */
  run<T>(work: () => T): T {
    return storage.run(new Map(), work);
  }
}
