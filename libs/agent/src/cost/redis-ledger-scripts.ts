/**
 * The Redis cost ledger's Lua scripts. Every key one script touches is the tenant's: they share its
 * `{tag}`, so they live in one cluster slot, including the keys a script builds from `base` for the
 * period a lease was taken in (a lease from yesterday is reconciled against yesterday's counters).
 *
 * A tenant's leases: a hash holdId -> JSON {micros, day, month, agent, model}, and a sorted set holdId
 * scored by expiry (server time, ms), so any instance finds the expired ones without a clock of its own.
 */

/** Shared helpers: the server's clock, decrements that never resurrect an expired counter, and the reconcile step. */
const LEASES = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A counter whose period has expired stays gone: a late settle must not bring it back negative and without a ttl.
local function adjust(key, n)
  if n ~= 0 and redis.call('EXISTS', key) == 1 then redis.call('INCRBY', key, string.format('%d', n)) end
end

local function count(base, day, line, fields, ttl)
  local key = base .. ':usage:' .. day
  for field, n in pairs(fields) do
    if n ~= 0 then redis.call('HINCRBY', key, line .. '\\0' .. field, string.format('%d', n)) end
  end
  redis.call('PEXPIRE', key, ttl)
end

-- An expired lease is charged what it held: its money stays spent (the vendor may have billed the call),
-- leaves "held", and shows in usage as a call marked unsettled. At most 100 a step keeps the script short.
local function reconcile(leases, expiry, base, usage_ttl)
  local due = redis.call('ZRANGEBYSCORE', expiry, '-inf', now_ms(), 'LIMIT', 0, 100)
  for _, id in ipairs(due) do
    local raw = redis.call('HGET', leases, id)
    if raw then
      local lease = cjson.decode(raw)
      local micros = tonumber(lease.micros)
      adjust(base .. ':dh:' .. lease.day, -micros)
      adjust(base .. ':mh:' .. lease.month, -micros)
      count(base, lease.day, lease.agent .. '\\0' .. lease.model, { calls = 1, costMicros = micros, unsettled = 1 }, usage_ttl)
      redis.call('HDEL', leases, id)
    end
    redis.call('ZREM', expiry, id)
  end
end
`;

/**
 * KEYS: day spend, month spend (settled and held), day held, month held, leases, lease expiry.
 * Reconciles expired leases, then sizes the hold like sizeHold() against the tighter limit and takes it
 * from both periods as a new lease in one step, so instances never race past a limit. Answers
 * {1, limit, granted tokens, held micro-USD}, or {0, limit, spend, held} of the limit that refused
 * (limit: 1 day, 2 month, 0 none).
 */
export const RESERVE = `${LEASES}
local fixed, per, want, least = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local limits = { tonumber(ARGV[5]), tonumber(ARGV[6]) }   -- day, month; -1 = none
local ttls = { ARGV[7], ARGV[8] }                         -- day, month spend keys (ms)
local hold_id, lease_ms = ARGV[9], tonumber(ARGV[10])
local day, month, agent, model = ARGV[11], ARGV[12], ARGV[13], ARGV[14]
local base, usage_ttl = ARGV[15], ARGV[16]
local spend, held, leases, expiry = { KEYS[1], KEYS[2] }, { KEYS[3], KEYS[4] }, KEYS[5], KEYS[6]

reconcile(leases, expiry, base, usage_ttl)
local room, bound = nil, 0
for i = 1, 2 do
  if limits[i] >= 0 then
    local left = limits[i] - tonumber(redis.call('GET', spend[i]) or '0')
    if room == nil or left < room then room, bound = left, i end
  end
end
local function cost(n) return fixed + math.ceil(n * per) end
local granted = want
if room ~= nil then
  if per > 0 then granted = math.min(want, math.floor((room - fixed) / per)) end
  if granted > 0 and cost(granted) > room then granted = granted - 1 end
  if granted < least or cost(granted) > room then
    return {0, bound, tonumber(redis.call('GET', spend[bound]) or '0'), tonumber(redis.call('GET', held[bound]) or '0')}
  end
end
local micros = string.format('%d', cost(granted))
for i = 1, 2 do
  redis.call('INCRBY', spend[i], micros)
  redis.call('PEXPIRE', spend[i], ttls[i])
  redis.call('INCRBY', held[i], micros)
  redis.call('PEXPIRE', held[i], ttls[i])
end
redis.call('HSET', leases, hold_id, cjson.encode({ micros = micros, day = day, month = month, agent = agent, model = model }))
redis.call('ZADD', expiry, now_ms() + lease_ms, hold_id)
redis.call('PEXPIRE', leases, ttls[2])
redis.call('PEXPIRE', expiry, ttls[2])
return {1, bound, granted, tonumber(micros)}`;

/**
 * KEYS: leases, lease expiry. ARGV: hold id, tenant base, usage ttl, charged micro-USD (-1: none, the
 * hold is released), then usage field/count pairs. Replaces the lease's hold with the charge in the
 * period it was taken; a lease already settled or reconciled is left alone (answers 0).
 */
export const SETTLE = `${LEASES}
local leases, expiry = KEYS[1], KEYS[2]
local hold_id, base, usage_ttl, charged = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local raw = redis.call('HGET', leases, hold_id)
if not raw then return 0 end
redis.call('HDEL', leases, hold_id)
redis.call('ZREM', expiry, hold_id)
local lease = cjson.decode(raw)
local micros = tonumber(lease.micros)
local delta = math.max(charged, 0) - micros
adjust(base .. ':d:' .. lease.day, delta)
adjust(base .. ':m:' .. lease.month, delta)
adjust(base .. ':dh:' .. lease.day, -micros)
adjust(base .. ':mh:' .. lease.month, -micros)
if charged >= 0 then
  local fields = {}
  for i = 6, #ARGV, 2 do fields[ARGV[i]] = tonumber(ARGV[i + 1]) end
  count(base, lease.day, ARGV[5], fields, usage_ttl)
end
return 1`;

/** KEYS: leases, lease expiry. ARGV: hold id, lease ms. Pushes a live lease's expiry on; 0 when it is gone or expired. */
export const RENEW = `${LEASES}
local leases, expiry = KEYS[1], KEYS[2]
local hold_id, lease_ms = ARGV[1], tonumber(ARGV[2])
local now, expires = now_ms(), tonumber(redis.call('ZSCORE', expiry, hold_id) or '0')
-- Gone, or expired already: another instance may be charging it, so it is not brought back.
if expires <= now or redis.call('HEXISTS', leases, hold_id) == 0 then return 0 end
redis.call('ZADD', expiry, 'XX', now + lease_ms, hold_id)
return 1`;

/** KEYS: leases, lease expiry. ARGV: tenant base, usage ttl. Reconciles expired leases (before usage is read). */
export const RECONCILE = `${LEASES}
reconcile(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
return 1`;
