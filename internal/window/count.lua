-- Counts one parcel toward its recipient's day, exactly once.
--
-- KEYS[1]  the day hash     <prefix>:{<recipient_key>}:<entry_date>
-- KEYS[2]  the day's list   <prefix>:{<recipient_key>}:<entry_date>:parcels
-- ARGV[1]  parcel id (no spaces)
-- ARGV[2]  parcel value in cents (integer)
-- ARGV[3]  decimal places the value was written with (0..2)
-- ARGV[4]  carrier
-- ARGV[5]  threshold in cents under a per-recipient-day regime, else -1
-- ARGV[6]  time to live in milliseconds
--
-- Returns {duplicate (0|1), seq, total cents (string), scale, alert version,
-- the day's "<parcel> <carrier>" entries up to this parcel when the alert
-- version is above 0, else an empty list}.
--
-- A parcel already counted returns its first answer and changes nothing,
-- so a retried command or a redelivered message never counts twice.
local day, list = KEYS[1], KEYS[2]
local field = 'p:' .. ARGV[1]

local prev = redis.call('HGET', day, field)
if prev then
  local seq, total, scale, alert = string.match(prev, '^(%d+) (%-?%d+) (%d+) (%d+)$')
  seq, alert = tonumber(seq), tonumber(alert)
  local entries = {}
  if alert > 0 then
    entries = redis.call('LRANGE', list, 0, seq - 1)
  end
  return {1, seq, total, tonumber(scale), alert, entries}
end

local value = tonumber(ARGV[2])
local threshold = tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])

-- HINCRBY adds 64-bit integers exactly; the text form from HGET is what we
-- return, since Lua numbers are doubles.
local total = redis.call('HINCRBY', day, 'total', ARGV[2])
local totalText = redis.call('HGET', day, 'total')
local seq = redis.call('HINCRBY', day, 'n', 1)
local scale = tonumber(redis.call('HGET', day, 'scale') or '0')
if tonumber(ARGV[3]) > scale then
  scale = tonumber(ARGV[3])
  redis.call('HSET', day, 'scale', scale)
end
redis.call('RPUSH', list, ARGV[1] .. ' ' .. ARGV[4])

-- The split alert: raised by the first parcel that is within the threshold
-- alone but takes the day above it; every later parcel of the day under a
-- regime with a threshold publishes it again, one version higher.
local alert = 0
if threshold >= 0 then
  local from = tonumber(redis.call('HGET', day, 'alert_from') or '0')
  if from == 0 and value <= threshold and total > threshold then
    from = seq
    redis.call('HSET', day, 'alert_from', seq)
  end
  if from > 0 then
    alert = seq - from + 1
  end
end

redis.call('HSET', day, field, seq .. ' ' .. totalText .. ' ' .. scale .. ' ' .. alert)
redis.call('PEXPIRE', day, ttl)
redis.call('PEXPIRE', list, ttl)

local entries = {}
if alert > 0 then
  entries = redis.call('LRANGE', list, 0, seq - 1)
end
return {0, seq, totalText, scale, alert, entries}
