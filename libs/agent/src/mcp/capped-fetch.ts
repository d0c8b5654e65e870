import { CappedLines } from './capped-lines.js';
import { RESULT_TOO_LARGE, syntheticError, type RequestId } from './synthetic-response.js';

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const encoder = new TextEncoder();
const tooLarge = (id: RequestId, limit: number) => JSON.stringify(syntheticError(id, RESULT_TOO_LARGE, `the answer has more than ${limit} bytes`));

/** The id and method of the JSON-RPC request a POST carries (the SDK sends one message per POST, as text). */
function requestOf(body: unknown): { id?: RequestId; method?: string } {
  if (typeof body !== 'string' || body.length > 1024 * 1024) return {};
  try {
    const m = JSON.parse(body) as { id?: unknown; method?: unknown };
    return { id: typeof m.id === 'string' || typeof m.id === 'number' ? m.id : undefined, method: typeof m.method === 'string' ? m.method : undefined };
  } catch {
    return {};
  }
}

/** A JSON answer held up to `limit` bytes (the SDK parses it whole); past that, an error answer instead. */
function cappedJson(body: ReadableStream<Uint8Array>, limit: number, id: RequestId | undefined): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const held: Uint8Array[] = [];
  let bytes = 0;
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        for (const chunk of held) controller.enqueue(chunk);
        controller.close();
        return;
      }
      bytes += value.length;
      if (bytes <= limit) {
        held.push(value);
        return;
      }
      held.length = 0;
      await reader.cancel();
      if (id === undefined) controller.error(new Error(`MCP server answered with more than ${limit} bytes`));
      else {
        controller.enqueue(encoder.encode(tooLarge(id, limit)));
        controller.close();
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * An event stream whose lines are each held up to `limit` bytes (a message is one `data:` line):
 * a longer one is discarded as it streams in and, on the stream of a request, replaced by an error
 * answer to it; other events pass through as they come.
 */
function cappedEvents(body: ReadableStream<Uint8Array>, limit: number, id: RequestId | undefined): ReadableStream<Uint8Array> {
  const lines = new CappedLines(() => limit);
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        for (const outcome of lines.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
          if ('line' in outcome) controller.enqueue(encoder.encode(`${outcome.line}\n`));
          else if (id !== undefined && outcome.oversized.head.startsWith('data:')) controller.enqueue(encoder.encode(`data: ${tooLarge(id, limit)}\n`));
        }
      },
    }),
  );
}

/**
 * A fetch for MCP's streamable HTTP transport that bounds what the SDK will buffer of an answer:
 * `maxResultBytes` for a tools/call, `maxListBytes` for anything else, before the SDK reads it.
 * Honest limit: a JSON (not event-stream) answer is held whole up to the cap, as the SDK parses it
 * whole; the cap, not the answer, bounds that.
 */
export function cappedFetch(maxResultBytes: number, maxListBytes: number, base: Fetch = fetch): Fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (!response.body) return response;
    const request = requestOf(init?.body);
    const limit = request.method === 'tools/call' ? maxResultBytes : Math.max(maxResultBytes, maxListBytes);
    const type = response.headers.get('content-type') ?? '';
    const body = type.includes('text/event-stream') ? cappedEvents(response.body, limit, request.id) : type.includes('application/json') ? cappedJson(response.body, limit, request.id) : undefined;
    if (!body) return response;
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
}
