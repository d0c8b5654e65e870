import { redisScript } from '../redis/redis-script.js';
import type { RunStreamEvent } from './run-events.js';

/**
 * Lua: appends ARGV[first..last] (event JSON) to the stream `key`, capped at `max` events, and
 * renews its expiry. Shared with the registry's scripts, which append the events that go with a
 * status change in the same step.
 */
export const APPEND_EVENTS_LUA = `local function appendEvents(key, max, ttl, first, last)
  for i = first, last do redis.call('XADD', key, 'MAXLEN', '~', max, '*', 'e', ARGV[i]) end
  if last >= first then redis.call('PEXPIRE', key, ttl) end
end
`;

/** A run event stream's bounds: the newest events kept, and how long it stays after its last one. */
export interface StreamBounds {
  maxEvents: number;
  ttlMs: number;
}

export interface AppendEventsArgs extends StreamBounds {
  stream: string;
  /** The run's record: nothing is appended once it is gone. */
  record: string;
  events: RunStreamEvent[];
}

/**
 * Appends events only while the run's record exists: after an erasure, a worker still finishing
 * the run cannot recreate its stream. 1 when appended, 0 when the record is gone.
 */
export const appendEvents = redisScript<AppendEventsArgs, number>({
  name: 'agentnestRunEventsAppend',
  numberOfKeys: 2,
  lua: `${APPEND_EVENTS_LUA}if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
appendEvents(KEYS[1], ARGV[1], ARGV[2], 3, #ARGV)
return 1`,
  keys: (a) => [a.stream, a.record],
  argv: (a) => [a.maxEvents, a.ttlMs, ...a.events.map((e) => JSON.stringify(e))],
});
