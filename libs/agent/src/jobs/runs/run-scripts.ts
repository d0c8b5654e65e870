import { redisScript } from '../redis/redis-script.js';
import { APPEND_EVENTS_LUA, type StreamBounds } from '../streams/append-events.script.js';
import type { RunStreamEvent } from '../streams/run-events.js';
import type { RunStatus } from './run-record.js';

const json = (events: RunStreamEvent[]) => events.map((e) => JSON.stringify(e));

export interface TransitionRunArgs {
  record: string;
  stream: string;
  bounds: StreamBounds;
  /** Moves only from one of these. */
  from: RunStatus[];
  to: RunStatus;
  /** Appended in the same step, so the stream never says what the record does not. */
  events: RunStreamEvent[];
  /** Field/value pairs to set (encoded). */
  set: string[];
  /** Fields to delete. */
  clear: string[];
}

/**
 * Moves a run to `to` only if its status is one of `from`, with its fields and events in the same
 * step. Returns [previous status, cancelRequested], null when the run does not exist, and a
 * `state:<status>` error when its status is not in `from`.
 */
export const transitionRun = redisScript<TransitionRunArgs, [string, string] | null>({
  name: 'agentnestRunTransition',
  numberOfKeys: 2,
  // ARGV: to, the counts of events, statuses and set strings, the stream's bounds; then the statuses, events, set pairs and cleared fields.
  lua: `${APPEND_EVENTS_LUA}local s, cancel = unpack(redis.call('HMGET', KEYS[1], 'status', 'cancelRequested'))
if not s then return false end
local n, from, sets = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 7, 6 + from do
  if s == ARGV[i] then
    local first = 7 + from + n
    redis.call('HSET', KEYS[1], 'status', ARGV[1], unpack(ARGV, first, first + sets - 1))
    if first + sets <= #ARGV then redis.call('HDEL', KEYS[1], unpack(ARGV, first + sets)) end
    appendEvents(KEYS[2], ARGV[5], ARGV[6], 7 + from, 6 + from + n)
    return {s, cancel or ''}
  end
end
return {err = 'state:' .. s}`,
  keys: (a) => [a.record, a.stream],
  argv: (a) => [a.to, a.events.length, a.from.length, a.set.length, a.bounds.maxEvents, a.bounds.ttlMs, ...a.from, ...json(a.events), ...a.set, ...a.clear],
});

export interface CreateRunArgs {
  record: string;
  /** The owner's index of every run. */
  runs: string;
  /** The owner's index of the conversation's runs. */
  conversation: string;
  stream: string;
  bounds: StreamBounds;
  runId: string;
  retentionMs: number;
  /** Milliseconds: the index score. */
  now: number;
  events: RunStreamEvent[];
  /** The record's field/value pairs (encoded). */
  fields: string[];
}

/**
 * Records a new run with its indexes and its first events, in one step. Index entries older than
 * the retention point at expired records: dropped as new ones arrive.
 */
export const createRun = redisScript<CreateRunArgs, number>({
  name: 'agentnestRunCreate',
  numberOfKeys: 4,
  // ARGV: retention ms, now ms, runId, max events, ttl, n, the n events, then the record's field/value pairs.
  lua: `${APPEND_EVENTS_LUA}local n = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], unpack(ARGV, 7 + n))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local cutoff = tonumber(ARGV[2]) - tonumber(ARGV[1])
for i = 2, 3 do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', cutoff)
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
appendEvents(KEYS[4], ARGV[4], ARGV[5], 7, 6 + n)
return 1`,
  keys: (a) => [a.record, a.runs, a.conversation, a.stream],
  argv: (a) => [a.retentionMs, a.now, a.runId, a.bounds.maxEvents, a.bounds.ttlMs, a.events.length, ...json(a.events), ...a.fields],
});

/**
 * Answers a paused run: moves it to queued, names its continuation job and marks the answer
 * accepted, in one step. Returns the continuation's job id; null for no run; `state:<status>` when
 * it is not paused.
 */
export const answerRun = redisScript<{ record: string; runId: string; now: string }, string | null>({
  name: 'agentnestRunAnswer',
  numberOfKeys: 1,
  lua: `local s = redis.call('HGET', KEYS[1], 'status')
if not s then return false end
if s ~= 'paused' then return {err = 'state:' .. s} end
local job = ARGV[1] .. '-r' .. redis.call('HINCRBY', KEYS[1], 'resumes', 1)
redis.call('HSET', KEYS[1], 'status', 'queued', 'jobId', job, 'answered', '1', 'updatedAt', ARGV[2])
redis.call('HDEL', KEYS[1], 'pauseData')
return job`,
  keys: (a) => [a.record],
  argv: (a) => [a.runId, a.now],
});

/**
 * Cancels a queued or paused run, unless its answer was accepted and waits for a worker: a paused
 * run leaves one way (answered or cancelled) and the answer already won. Returns the status it had.
 */
export const cancelRun = redisScript<{ record: string; now: string }, string | null>({
  name: 'agentnestRunCancel',
  numberOfKeys: 1,
  lua: `local s = redis.call('HGET', KEYS[1], 'status')
if not s then return false end
if s == 'queued' and redis.call('HEXISTS', KEYS[1], 'answered') == 1 then return {err = 'state:answered'} end
if s ~= 'queued' and s ~= 'paused' then return {err = 'state:' .. s} end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finishedAt', ARGV[1], 'updatedAt', ARGV[1])
redis.call('HDEL', KEYS[1], 'pauseData')
return s`,
  keys: (a) => [a.record],
  argv: (a) => [a.now],
});
