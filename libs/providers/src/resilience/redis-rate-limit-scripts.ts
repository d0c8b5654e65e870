// The Lua behind RedisRateLimitStore: rate-limit-store.ts's refill() and waitFor() and fair-queue.ts's
// turns, run atomically in Redis so every instance sees one bucket and one queue.
// Every script's ARGV starts with: now (ms, or -1 for Redis' own clock), rpm, tpm.

const REFILL = `local now = tonumber(ARGV[1])
if now < 0 then local t = redis.call('TIME') now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
local rpm = tonumber(ARGV[2]) local tpm = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'r', 't', 'at')
local r = tonumber(b[1] or rpm) local tk = tonumber(b[2] or tpm) local at = tonumber(b[3] or now)
local elapsed = math.max(0, now - at)
if rpm > 0 then r = math.min(rpm, r + elapsed * rpm / 60000) end
if tpm > 0 then tk = math.min(tpm, tk + elapsed * tpm / 60000) end`;
const SAVE = `redis.call('HSET', KEYS[1], 'r', tostring(r), 't', tostring(tk), 'at', now) redis.call('PEXPIRE', KEYS[1], 120000)`;

// ARGV[4], ARGV[5]: the cost in requests and tokens, capped at the bucket (a bigger one waits for a full bucket).
const COST = `local cr = tonumber(ARGV[4]) local ct = tonumber(ARGV[5])
if rpm > 0 then cr = math.min(cr, rpm) else cr = 0 end
if tpm > 0 then ct = math.min(ct, tpm) else ct = 0 end`;

// How long until the bucket (br, btk) holds the cost.
const WAIT = `local wait = 0
if rpm > 0 and cr > br then wait = math.max(wait, (cr - br) * 60000 / rpm) end
if tpm > 0 and ct > btk then wait = math.max(wait, (ct - btk) * 60000 / tpm) end
wait = math.ceil(wait)`;

/** KEYS: bucket. ARGV: now, rpm, tpm, requests, tokens -> {allowed, retryAfterMs} */
export const TAKE = `${REFILL}
${COST}
local br = r local btk = tk
${WAIT}
if wait > 0 then ${SAVE} return {0, wait} end
r = r - cr tk = tk - ct
${SAVE}
return {1, 0}`;

/** KEYS: bucket. ARGV: now, rpm, tpm, tokensUsedBeyondEstimate */
export const SETTLE = `${REFILL}
if tpm > 0 then tk = math.min(tpm, tk - tonumber(ARGV[4])) end
${SAVE}
return 1`;

// The queue's keys: KEYS[2] waiters (sorted set of 'waiter|tenant' by lease end), KEYS[3] waiters
// per tenant (hash), KEYS[5] each waiting tenant's share ('requests:tokens' its waiter last asked for), KEYS[4] places (sorted set of waiting tenants by the grant they were last served
// at); the grant count and the entries since are the bucket's 'seq' and 'entries' fields. All share the bucket's hash tag: one slot.
const QUEUE_TTL = `for i = 2, 5 do redis.call('PEXPIRE', KEYS[i], 120000) end`;
const REMOVE = `local function remove(id, tn)
  if redis.call('ZREM', KEYS[2], id) == 0 then return end
  if redis.call('HINCRBY', KEYS[3], tn, -1) <= 0 then redis.call('HDEL', KEYS[3], tn) redis.call('ZREM', KEYS[4], tn) redis.call('HDEL', KEYS[5], tn) end
end`;

/**
 * KEYS: bucket, waiters, counts, places, shares. ARGV: now, rpm, tpm, requests, tokens, tenant, waiter ('' for
 * none), leaseMs -> {allowed, retryAfterMs}. fair-queue.ts explains the turns.
 */
export const FAIR_TAKE = `${REFILL}
${COST}
${REMOVE}
local tenant = ARGV[6] local waiter = ARGV[7] local id = waiter .. '|' .. tenant
-- At most 100 dead waiters a call, so one script stays short; later calls drop the rest.
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%.0f', now), 'LIMIT', 0, 100)
for _, d in ipairs(dead) do remove(d, string.sub(d, string.find(d, '|', 1, true) + 1)) end
local q = redis.call('HMGET', KEYS[1], 'seq', 'entries')
local seq = tonumber(q[1] or '0') local entries = tonumber(q[2] or '0')
local placed = redis.call('ZSCORE', KEYS[4], tenant)
local mine = tonumber(placed or (seq - 1 / (entries + 2)))
local first = true
local head = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
if #head > 0 and head[1] ~= tenant and tonumber(head[2]) <= mine then first = false end
-- Not first in line: the caller goes only when the room covers the first's share too.
local br = r local btk = tk
if not first then
  local share = redis.call('HGET', KEYS[5], head[1])
  local sr, st = cr, ct
  if share then local c = string.find(share, ':', 1, true) sr = tonumber(string.sub(share, 1, c - 1)) st = tonumber(string.sub(share, c + 1)) end
  br = r - sr btk = tk - st
end
${WAIT}
if wait > 0 then
  if waiter ~= '' then
    if not redis.call('ZSCORE', KEYS[2], id) then
      redis.call('HINCRBY', KEYS[3], tenant, 1)
      if not placed then redis.call('ZADD', KEYS[4], mine, tenant) redis.call('HSET', KEYS[1], 'entries', entries + 1) end
    end
    redis.call('ZADD', KEYS[2], now + wait + tonumber(ARGV[8]), id)
    redis.call('HSET', KEYS[5], tenant, cr .. ':' .. ct)
  end
  ${SAVE} ${QUEUE_TTL}
  return {0, wait}
end
r = r - cr tk = tk - ct seq = seq + 1
if waiter ~= '' then remove(id, tenant) end
if redis.call('ZSCORE', KEYS[4], tenant) then redis.call('ZADD', KEYS[4], seq, tenant) end
redis.call('HSET', KEYS[1], 'seq', seq, 'entries', 0)
${SAVE} ${QUEUE_TTL}
return {1, 0}`;

/** KEYS: bucket, waiters, counts, places, shares. ARGV: waiter, tenant */
export const LEAVE = `${REMOVE}
remove(ARGV[1] .. '|' .. ARGV[2], ARGV[2])
return 1`;
