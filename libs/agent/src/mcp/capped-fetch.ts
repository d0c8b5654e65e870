import { CappedLines } from './capped-lines.js';
import { RESULT_TOO_LARGE, syntheticError, type RequestId } from './synthetic-response.js';

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const encoder = new TextEncoder();
const tooLarge = (id: RequestId, limit: number) => JSON.stringify(syntheticError(id, RESULT_TOO_LARGE, `the answer has more than ${limit} bytes`));

/** The id and method of the JSON-RPC request a POST carries (the SDK sends one message per POST, as text). */
function requestOf(body: unknown): { id?: RequestId; method?: string; cancels?: RequestId } {
  if (typeof body !== 'string' || body.length > 1024 * 1024) return {};
  const idOf = (id: unknown) => (typeof id === 'string' || typeof id === 'number' ? id : undefined);
  try {
    const m = JSON.parse(body) as { id?: unknown; method?: unknown; params?: { requestId?: unknown } };
    return { id: idOf(m.id), method: typeof m.method === 'string' ? m.method : undefined, cancels: idOf(m.params?.requestId) };
  } catch {
    return {};
  }
}

/** Readers of answers still streaming, by the request they answer: a request given up on stops its own. */
type Streaming = Map<RequestId, () => void>;

/** Passes on bytes of the answer (`emit`); returns false when nothing more is to be read. */
type Step = (chunk: Uint8Array | undefined, emit: (bytes: Uint8Array) => void) => boolean;

/** Reads `body` through `step`; the request's cancellation, or the reader's, cancels the read. */
function guarded(body: ReadableStream<Uint8Array>, id: RequestId | undefined, streaming: Streaming, step: Step): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let given = false;
  const give = () => {
    given = true;
    void stop();
  };
  const stop = () => {
    if (id !== undefined && streaming.get(id) === give) streaming.delete(id);
    return reader.cancel().catch(() => undefined);
  };
  if (id !== undefined) streaming.set(id, give);
  return new ReadableStream({
    async pull(controller) {
      let emitted = false;
      const emit = (bytes: Uint8Array) => {
        controller.enqueue(bytes);
        emitted = true;
      };
      // Reads until something is passed on: a pull that enqueues nothing is not called again.
      while (!emitted) {
        const { done, value } = await reader.read().catch((err: unknown) => (given ? { done: true, value: undefined } : Promise.reject(err)));
        // Given up on (timeout, abort): the SDK no longer waits for this answer, so nothing more is read of it.
        if (given) return controller.error(new Error('the request was cancelled'));
        let more: boolean;
        try {
          more = step(done ? undefined : value, emit);
        } catch (err) {
          await stop();
          throw err;
        }
        if (!more) {
          await stop();
          return controller.close();
        }
      }
    },
    cancel: () => stop(),
  });
}

/** A JSON answer held up to `limit` bytes (the SDK parses it whole); past that, an error answer instead. */
function cappedJson(body: ReadableStream<Uint8Array>, limit: number, id: RequestId | undefined, streaming: Streaming): ReadableStream<Uint8Array> {
  const held: Uint8Array[] = [];
  let bytes = 0;
  return guarded(body, id, streaming, (chunk, emit) => {
    if (!chunk) {
      for (const piece of held) emit(piece);
      return false;
    }
    bytes += chunk.length;
    if (bytes <= limit) {
      held.push(chunk);
      return true;
    }
    held.length = 0;
    if (id === undefined) throw new Error(`MCP server answered with more than ${limit} bytes`);
    emit(encoder.encode(tooLarge(id, limit)));
    return false;
  });
}

/**
 * An event stream whose events are each held up to `limit` bytes, all their lines counted until
 * the blank line that ends them (a message may be split over any number of `data:` lines, and an
 * event may never end). An event is passed on whole when it ends; one over the limit is dropped as
 * it streams in and, on the stream of a request, answered with an error for it, and nothing more is
 * read of that stream (its answer is given).
 */
function cappedEvents(body: ReadableStream<Uint8Array>, limit: number, id: RequestId | undefined, streaming: Streaming): ReadableStream<Uint8Array> {
  const lines = new CappedLines(() => limit);
  let held: string[] = [];
  let bytes = 0;
  // The event in progress went over the limit: its lines are dropped until the blank line.
  let dropping = false;
  return guarded(body, id, streaming, (chunk, emit) => {
    if (!chunk) return false;
    for (const outcome of lines.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
      if ('line' in outcome && outcome.line === '') {
        if (!dropping && held.length) emit(encoder.encode(`${held.join('\n')}\n\n`));
        [held, bytes, dropping] = [[], 0, false];
        continue;
      }
      bytes += 'line' in outcome ? Buffer.byteLength(outcome.line) + 1 : outcome.oversized.bytes + 1;
      if (dropping) continue;
      if (bytes <= limit && 'line' in outcome) {
        held.push(outcome.line);
        continue;
      }
      [held, dropping] = [[], true];
      if (id !== undefined) {
        emit(encoder.encode(`event: message\ndata: ${tooLarge(id, limit)}\n\n`));
        return false;
      }
    }
    return true;
  });
}

/**
 * A fetch for MCP's streamable HTTP transport that bounds what the SDK will buffer of an answer:
 * `maxResultBytes` for a tools/call, `maxListBytes` for anything else, before the SDK reads it.
 * Honest limit: a JSON (not event-stream) answer is held whole up to the cap, as the SDK parses it
 * whole; the cap, not the answer, bounds that.
 */
export function cappedFetch(maxResultBytes: number, maxListBytes: number, base: Fetch = fetch): Fetch {
  const streaming: Streaming = new Map();
  return async (input, init) => {
    const request = requestOf(init?.body);
    // The SDK cancels a request it gave up on (timeout, abort): the rest of its answer is not read.
    if (request.method === 'notifications/cancelled' && request.cancels !== undefined) streaming.get(request.cancels)?.();
    const response = await base(input, init);
    if (!response.body) return response;
    const limit = request.method === 'tools/call' ? maxResultBytes : Math.max(maxResultBytes, maxListBytes);
    const type = response.headers.get('content-type') ?? '';
    const body = type.includes('text/event-stream') ? cappedEvents(response.body, limit, request.id, streaming) : type.includes('application/json') ? cappedJson(response.body, limit, request.id, streaming) : undefined;
    if (!body) return response;
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
}
