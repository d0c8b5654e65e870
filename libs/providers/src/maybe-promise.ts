/** A value, or a promise of it: what a store that may answer at once (an in-process one) returns. */
export type MaybePromise<T> = T | Promise<T>;

/** True for a promise (or any thenable): only then is there something to wait for. */
export const isThenable = <T>(value: MaybePromise<T>): value is Promise<T> => typeof (value as { then?: unknown } | null)?.then === 'function';
