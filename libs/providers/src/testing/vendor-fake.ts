import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { constants as h2, createServer as createH2cServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { AddressInfo, Server } from 'node:net';
import type { UsageFigures } from '../usage.js';

/** The parts of a response a fake uses, the same over HTTP/1.1 and HTTP/2. */
export interface FakeResponse {
  readonly headersSent: boolean;
  /** Sends the status line and headers. */
  writeHead(status: number, headers: Record<string, string>): unknown;
  /** Sends part of the body (one streamed frame). */
  write(chunk: string | Uint8Array): unknown;
  /** Sends the last of the body and finishes the response. */
  end(chunk?: string): unknown;
  /** Breaks the exchange mid-response, as a dropped connection would. */
  cut(): void;
}

/** A request the fake received, kept in {@link VendorFake.requests} for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
}

/** The usage a fake reports, in our names (each fake writes it in its vendor's). */
export type FakeUsage = UsageFigures;

/** A model answer: text and/or tool calls, in the vendor's own wire format (streamed when the SDK asks). */
export interface FakeAnswer {
  kind?: 'answer';
  text?: string;
  toolCalls?: Array<{ id?: string; name: string; args: Record<string, unknown> }>;
  /** The vendor's own stop reason string (the AI SDK's `rawFinishReason`); @default derived from tool calls */
  rawFinishReason?: string;
  usage?: FakeUsage;
  /** Wait this long before answering (a slow model). */
  delayMs?: number;
  /** Streamed: send this many events, then wait for `release` before the rest (a model mid-answer, for as long as a test needs). */
  holdAfterEvents?: number;
  release?: Promise<unknown>;
}

/** A vendor error response with its status, message and optional retry headers. */
export interface FakeError {
  kind: 'error';
  status: number;
  message?: string;
  retryAfter?: string;
  retryAfterMs?: string;
}

/** A stream that breaks after `afterEvents` events (the connection is destroyed); non-streamed, the socket just drops. */
export interface FakeCut {
  kind: 'cut';
  text: string;
  afterEvents: number;
}

/** No answer at all until the fake closes (for timeouts and aborts). */
export interface FakeHang {
  kind: 'hang';
}

/** One scripted reply for {@link VendorFake.enqueue} or {@link VendorFake.respond}: an answer, an error, a broken stream or silence. */
export type FakeReply = FakeAnswer | FakeError | FakeCut | FakeHang;

/** Splits text into small deltas the way vendors stream it. */
export function chunks(text: string, size = 5): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/**
 * A loopback HTTP server speaking one vendor's wire format. It records every request, rejects
 * malformed ones with the vendor's 400, and answers from a queue of scripted replies (then from
 * `respond`, which defaults to "ok").
 */
export abstract class VendorFake {
  readonly requests: RecordedRequest[] = [];
  /** Computes a reply when the queue is empty. */
  respond: (req: RecordedRequest) => FakeReply = () => ({ text: 'ok' });
  private readonly queue: FakeReply[] = [];
  private server?: Server;
  private readonly sessions = new Set<Http2Session>();
  private base = '';

  /** 'h2c' serves cleartext HTTP/2 (the AWS SDK's default transport); @default 'http1' */
  constructor(private readonly protocol: 'http1' | 'h2c' = 'http1') {}

  /** The server's origin, e.g. http://127.0.0.1:41234 */
  get origin(): string {
    return this.base;
  }

  /** Queues replies for the next requests, one each, in order; chainable. */
  enqueue(...replies: FakeReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Requests whose path ends with `suffix` (ignores health probes and the like). */
  bodies<T = Record<string, unknown>>(suffix = ''): T[] {
    return this.requests.filter((r) => r.path.endsWith(suffix)).map((r) => r.body as T);
  }

  /** Listens on a free loopback port; read {@link origin} afterwards for the SDK's base URL. */
  async start(): Promise<this> {
    const onRequest = (req: IncomingMessage | Http2ServerRequest, rawRes: ServerResponse | Http2ServerResponse) => {
      const res = this.wrap(rawRes);
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (raw += c));
      req.on('end', () => {
        let body: unknown;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          body = undefined;
        }
        const recorded: RecordedRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0], headers: req.headers, body };
        this.requests.push(recorded);
        Promise.resolve(this.dispatch(recorded, res)).catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ fakeError: String(err) }));
        });
      });
    };
    if (this.protocol === 'h2c') {
      const server = createH2cServer(onRequest);
      server.on('session', (session) => {
        this.sessions.add(session);
        session.once('close', () => this.sessions.delete(session));
      });
      this.server = server;
    } else this.server = createServer(onRequest);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Drops open connections (hanging replies included) and stops the server; safe to call twice. */
  async close(): Promise<void> {
    if (!this.server) return;
    for (const session of this.sessions) session.destroy();
    (this.server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private wrap(res: ServerResponse | Http2ServerResponse): FakeResponse {
    const cut = () => ('stream' in res ? res.stream.close(h2.NGHTTP2_INTERNAL_ERROR) : res.socket?.destroy());
    return {
      get headersSent() {
        return res.headersSent;
      },
      writeHead: (status, headers) => res.writeHead(status, headers),
      write: (chunk) => (res as ServerResponse).write(chunk),
      end: (chunk) => (chunk === undefined ? res.end() : res.end(chunk)),
      cut,
    };
  }

  private dispatch(req: RecordedRequest, res: FakeResponse): void | Promise<void> {
    const problem = this.validate(req);
    if (problem) return this.sendError(res, { kind: 'error', status: problem.status ?? 400, message: problem.message });
    const reply = this.queue.shift() ?? this.respond(req);
    if (reply.kind === 'hang') return;
    if (reply.kind === 'error') return this.sendError(res, reply);
    if (reply.kind === 'cut' && !this.isStream(req)) return res.cut();
    const delay = reply.kind === 'cut' ? 0 : (reply.delayMs ?? 0);
    // unref: a long delay still pending when the fake closes must not keep the test process alive.
    if (delay) return new Promise<void>((r) => setTimeout(r, delay).unref()).then(() => this.answer(req, reply, res));
    return this.answer(req, reply, res);
  }

  /** The `retry-after` and `retry-after-ms` headers an error reply asks for. */
  protected retryHeaders(reply: FakeError): Record<string, string> {
    const h: Record<string, string> = {};
    if (reply.retryAfter !== undefined) h['retry-after'] = reply.retryAfter;
    if (reply.retryAfterMs !== undefined) h['retry-after-ms'] = reply.retryAfterMs;
    return h;
  }

  /** Writes a streamed answer's frames: all of them, the first `afterEvents` of a cut (then the connection breaks), or up to a hold and the rest once released. */
  protected async writeFrames(res: FakeResponse, frames: string[], reply: FakeAnswer | FakeCut, end = ''): Promise<void> {
    if (reply.kind === 'cut') {
      for (const f of frames.slice(0, reply.afterEvents)) res.write(f);
      return res.cut();
    }
    const hold = reply.release ? (reply.holdAfterEvents ?? 0) : frames.length;
    for (const f of frames.slice(0, hold)) res.write(f);
    if (hold < frames.length) {
      await reply.release;
      for (const f of frames.slice(hold)) res.write(f);
    }
    res.end(end);
  }

  /** Returns a problem (answered as the vendor's 400, or the given status) or undefined when the request is well-formed. */
  protected abstract validate(req: RecordedRequest): { status?: number; message: string } | undefined;
  /** Whether the request asked for a streamed answer. */
  protected abstract isStream(req: RecordedRequest): boolean;
  /** Writes an error reply in the vendor's error format. */
  protected abstract sendError(res: FakeResponse, reply: FakeError): void;
  /** Writes an answer (or the start of a cut stream) in the vendor's wire format. */
  protected abstract answer(req: RecordedRequest, reply: FakeAnswer | FakeCut, res: FakeResponse): void | Promise<void>;
}

/** The vector a fake returns for a text: deterministic, so tests can check the embedder passes it through. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const v: number[] = [];
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  for (let i = 0; i < dimensions; i++) {
    h = Math.imul(h ^ (i + 1), 0x01000193) >>> 0;
    v.push(((h % 2001) - 1000) / 1000);
  }
  return v;
}
