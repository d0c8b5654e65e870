/** Injection token of the configured MemoryStore. */
export const MEMORY_STORE = Symbol('MEMORY_STORE');
