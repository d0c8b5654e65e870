import { AgentError } from '../../errors/agent.errors.js';

/** A Last-Event-ID that is not a Redis Stream id this service could have sent. */
export class InvalidLastEventIdError extends AgentError {
  constructor() {
    super('invalid_last_event_id', 'Last-Event-ID must be an event id this stream sent (<milliseconds>-<sequence>)');
  }
}

const MAX_U64 = (1n << 64n) - 1n;
const SHAPE = /^(\d{1,20})-(\d{1,20})$/;

/** Parses a Redis Stream id ('<ms>-<seq>', each an unsigned 64-bit integer) or throws InvalidLastEventIdError. */
export function parseStreamId(id: string): [bigint, bigint] {
  const m = SHAPE.exec(id);
  if (!m) throw new InvalidLastEventIdError();
  const parts: [bigint, bigint] = [BigInt(m[1]), BigInt(m[2])];
  if (parts[0] > MAX_U64 || parts[1] > MAX_U64) throw new InvalidLastEventIdError();
  return parts;
}

/** Orders two stream ids as Redis does. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parseStreamId(a);
  const [bm, bs] = parseStreamId(b);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}
