// When a server's message cannot be delivered (too large, not JSON), the transport answers the
// request it belonged to with a JSON-RPC error of its own instead: the call fails at once with a
// code the client maps to a tool error, rather than waiting for its timeout, and the connection,
// shared by every tenant's calls, stays up.

/** Error codes of responses the transport writes itself (JSON-RPC's implementation-defined range). */
export const RESULT_TOO_LARGE = -32090;
export const INVALID_MESSAGE = -32091;

export type RequestId = string | number;

/** A JSON-RPC error response for request `id`, as the SDK's client expects to receive it. */
export function syntheticError(id: RequestId, code: number, message: string): { jsonrpc: '2.0'; id: RequestId; error: { code: number; message: string } } {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

// `"id": 7` or `"id": "abc"` where a response begins or ends (servers put it at either end; the
// SDK's own server writes it last). Only the ends of a discarded message are kept, so only they are read.
const ID_FIRST = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d{1,15}|"(?:[^"\\]|\\.){0,200}")/;
const ID_LAST = /"id"\s*:\s*(-?\d{1,15}|"(?:[^"\\]|\\.){0,200}")\s*\}\s*$/;

/**
 * The id of the request a message answered, from its first and last bytes, if it is one of
 * `pending`; else, with `onlyPending`, the only pending request if exactly one is (an oversized
 * message then can only be its answer; an unreadable line may be stray output, so it never guesses).
 */
export function answeredId(head: string, tail: string, pending: ReadonlySet<RequestId>, onlyPending = false): RequestId | undefined {
  for (const match of [ID_FIRST.exec(head), ID_LAST.exec(tail)]) {
    if (!match) continue;
    let id: unknown;
    try {
      id = JSON.parse(match[1]);
    } catch {
      continue;
    }
    if ((typeof id === 'string' || typeof id === 'number') && pending.has(id)) return id;
  }
  return onlyPending && pending.size === 1 ? pending.values().next().value : undefined;
}
