/**
 * A deep copy of stored data, so a caller's later changes never reach the store and the store's
 * never reach a caller. Messages are JSON-shaped (every other store keeps them as JSON): plain
 * objects and arrays are copied field by field, several times faster than structuredClone, which
 * stays the fallback for anything else (a Date, a typed array).
 */
export function copyMessage<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyMessage) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyMessage((value as Record<string, unknown>)[key]);
  return out as T;
}
