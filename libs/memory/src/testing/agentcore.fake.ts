import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One stored event, as the fake keeps it.
 * @inline
 */
interface FakeEvent {
  memoryId: string;
  actorId: string;
  sessionId: string;
  eventId: string;
  eventTimestamp: number;
  payload: unknown[];
  clientToken?: string;
}

// The service's documented id shapes: actors may hold '/' and ':' segments, sessions may not.
const ACTOR = /^[a-zA-Z0-9][a-zA-Z0-9-_/]*(?::[a-zA-Z0-9-_/]+)*[a-zA-Z0-9-_/]*$/;
const SESSION = /^[a-zA-Z0-9][a-zA-Z0-9-_]*$/;
const ROLES = new Set(['USER', 'ASSISTANT', 'TOOL', 'OTHER']);

/**
 * Amazon Bedrock AgentCore Memory's data-plane REST API (CreateEvent, ListEvents, ListSessions,
 * ListActors, DeleteEvent) on loopback, holding events in memory and validating requests the way
 * the service documents them. Pagination honours maxResults and nextToken.
 */
export class AgentCoreFake {
  readonly memories = new Map<string, FakeEvent[]>();
  requests = 0;
  private server?: Server;
  private base = '';

  constructor(
    readonly memoryId = 'mem-test',
    private readonly accessKeyId = 'AKIDAGENTCORE',
  ) {
    this.memories.set(memoryId, []);
  }

  get origin(): string {
    return this.base;
  }

  /** Listens on a free loopback port; point the store's `endpoint` at {@link origin} afterwards. */
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => this.handle(req, raw, res));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Drops open connections and stops the server. */
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
    res.end(JSON.stringify(body));
  }

  private fail(res: ServerResponse, status: number, type: string, message: string): void {
    this.send(res, status, { message }, type);
  }

  private page<T>(items: T[], body: { maxResults?: number; nextToken?: string }) {
    const max = body.maxResults ?? 20;
    const start = body.nextToken ? Number(body.nextToken) : 0;
    const slice = items.slice(start, start + max);
    return { slice, nextToken: start + max < items.length ? String(start + max) : undefined };
  }

  // CreateEvent, with the service's checks on ids, timestamp and payload shape.
  private createEvent(res: ServerResponse, memoryId: string, events: FakeEvent[], body: Record<string, unknown>): void {
    const { actorId, sessionId, eventTimestamp, payload, clientToken } = body as { actorId?: string; sessionId?: string; eventTimestamp?: number; payload?: Array<Record<string, unknown>>; clientToken?: string };
    // Idempotency: a token of an event that still exists returns that event instead of a new one.
    const same = clientToken ? events.find((e) => e.clientToken === clientToken) : undefined;
    if (same) return this.send(res, 201, { event: { ...same, clientToken: undefined } });
    if (typeof actorId !== 'string' || actorId.length > 255 || !ACTOR.test(actorId)) return this.fail(res, 400, 'ValidationException', 'actorId is invalid');
    if (typeof sessionId !== 'string' || sessionId.length > 100 || !SESSION.test(sessionId)) return this.fail(res, 400, 'ValidationException', 'sessionId is invalid');
    if (typeof eventTimestamp !== 'number') return this.fail(res, 400, 'ValidationException', 'eventTimestamp is required');
    if (!Array.isArray(payload) || payload.length === 0 || payload.length > 100) return this.fail(res, 400, 'ValidationException', 'payload must hold 1-100 items');
    for (const item of payload) {
      const keys = Object.keys(item);
      if (keys.length !== 1 || !['conversational', 'blob'].includes(keys[0])) return this.fail(res, 400, 'ValidationException', 'each payload item is conversational or blob');
      const conv = item.conversational as { role?: string; content?: { text?: string } } | undefined;
      if (conv && (!ROLES.has(conv.role ?? '') || !conv.content?.text)) return this.fail(res, 400, 'ValidationException', 'conversational needs a role and non-empty text');
    }
    const event: FakeEvent = { memoryId, actorId, sessionId, eventId: `0000000${events.length}#${randomUUID().slice(0, 8)}`, eventTimestamp, payload, clientToken };
    events.push(event);
    return this.send(res, 201, { event: { ...event, clientToken: undefined } });
  }

  private handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    this.requests++;
    if (!String(req.headers.authorization ?? '').startsWith(`AWS4-HMAC-SHA256 Credential=${this.accessKeyId}/`)) return this.fail(res, 403, 'AccessDeniedException', 'invalid credentials');
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    let body: Record<string, unknown> = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return this.fail(res, 400, 'ValidationException', 'body is not JSON');
    }
    if (parts[0] !== 'memories') return this.fail(res, 404, 'ResourceNotFoundException', 'no such route');
    const events = this.memories.get(parts[1]);
    if (!events) return this.fail(res, 404, 'ResourceNotFoundException', 'memory not found');
    const max = body.maxResults as number | undefined;
    if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 100)) return this.fail(res, 400, 'ValidationException', 'maxResults must be 1-100');

    // POST /memories/{m}/events
    if (req.method === 'POST' && parts.length === 3 && parts[2] === 'events') {
      return this.createEvent(res, parts[1], events, body);
    }
    // POST /memories/{m}/actors
    if (req.method === 'POST' && parts.length === 3 && parts[2] === 'actors') {
      const actors = [...new Set(events.map((e) => e.actorId))].map((actorId) => ({ actorId }));
      const { slice, nextToken } = this.page(actors, body);
      return this.send(res, 200, { actorSummaries: slice, nextToken });
    }
    if (parts[2] !== 'actor' || parts[4] !== 'sessions') return this.fail(res, 404, 'ResourceNotFoundException', 'no such route');
    const actorId = parts[3];
    // POST /memories/{m}/actor/{a}/sessions
    if (req.method === 'POST' && parts.length === 5) {
      const sessions = [...new Set(events.filter((e) => e.actorId === actorId).map((e) => e.sessionId))].map((sessionId) => ({ sessionId, actorId, createdAt: 1_700_000_000 }));
      const { slice, nextToken } = this.page(sessions, body);
      return this.send(res, 200, { sessionSummaries: slice, nextToken });
    }
    const sessionId = parts[5];
    // POST /memories/{m}/actor/{a}/sessions/{s}  (ListEvents, oldest first)
    if (req.method === 'POST' && parts.length === 6) {
      const mine = events.filter((e) => e.actorId === actorId && e.sessionId === sessionId).map((e) => ({ ...e, clientToken: undefined, payload: body.includePayloads ? e.payload : undefined }));
      const { slice, nextToken } = this.page(mine, body);
      return this.send(res, 200, { events: slice, nextToken });
    }
    // DELETE /memories/{m}/actor/{a}/sessions/{s}/events/{e}
    if (req.method === 'DELETE' && parts.length === 8 && parts[6] === 'events') {
      const i = events.findIndex((e) => e.actorId === actorId && e.sessionId === sessionId && e.eventId === parts[7]);
      if (i < 0) return this.fail(res, 404, 'ResourceNotFoundException', 'event not found');
      events.splice(i, 1);
      return this.send(res, 200, { eventId: parts[7] });
    }
    return this.fail(res, 404, 'ResourceNotFoundException', 'no such route');
  }
}
