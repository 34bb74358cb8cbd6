-- Counts one parcel event toward its recipient's day, exactly once.
--
-- KEYS[1]  the subject's hash (a recipient's day, an order, an address's day)
-- KEYS[2]  its list of parcels in evaluation order
-- KEYS[3]  its set of distinct members (the names at an address); only
--          with ARGV[13] > 0
-- ARGV[1]  parcel id (no spaces)
-- ARGV[2]  the parcel's value in cents (integer; for a cancel, ignored)
-- ARGV[3]  decimal places the value was written with (0..2)
-- ARGV[4]  carrier
-- ARGV[5]  threshold in cents under a per-recipient-day regime, else -1
-- ARGV[6]  time to live in milliseconds
-- ARGV[7]  event kind: parcel, amend or cancel
-- ARGV[8]  event id (no spaces)
-- ARGV[9]  1 when the parcel is declared a gift, else 0
-- ARGV[10] clear limit: the parcel is cleared when the day total is at most
--          this many cents (-1: never under de minimis)
-- ARGV[11] gift limit: a gift is cleared when the gift total is at most this
--          many cents (-1: not as a gift)
-- ARGV[12] member: the parcel's member of KEYS[3] (a name key), or ""
-- ARGV[13] minimum members: when above 0, the alert is raised once the
--          subject has that many distinct members and its total is above
--          the threshold, instead of by the split rule
--
-- Returns {duplicate (0|1), seq, total cents (string), scale, alert version,
-- entries, gift total cents (string), status, superseded event id,
-- superseded outcome}:
--   entries     the day's "<parcel> <carrier>" up to this parcel when the
--               alert version is above 0, else empty
--   status      "ok", or for amend and cancel "unknown" (no such parcel
--               counted on this day), "cancelled" (already cancelled) or
--               "same_event" (the event id is the one it would supersede)
--   superseded  for amend and cancel, the event id of the parcel's decision
--               this event replaces, and that decision's outcome ("cleared"
--               or "formal"), so a cancel goes to the replaced decision's topic
--
-- The outcome kept for each parcel is computed here from the two limits the
-- caller derives from the regime (decide.Decide and decide.DecideGift give
-- the same answer; a test holds them together).
--
-- Hash fields: total, scale, n, alert_from, gift_total;
--   p:<parcel>  the parcel's first answer: "<seq> <total> <scale> <alert> <gift total>"
--   s:<parcel>  its current state: "<value cents> <gift 0|1> <active|cancelled> <last event id> <outcome>"
--   e:<event>   an amend's or cancel's answer: "<total> <scale> <gift total> <superseded event id> <outcome>"
--
-- An event already applied returns its first answer and changes nothing, so
-- a retried command or a redelivered message never counts twice.
local day, list = KEYS[1], KEYS[2]
local parcel, carrier = ARGV[1], ARGV[4]
local value, places = tonumber(ARGV[2]), tonumber(ARGV[3])
local threshold, ttl = tonumber(ARGV[5]), tonumber(ARGV[6])
local kind, event, gift = ARGV[7], ARGV[8], ARGV[9]
local clearLimit, giftLimit = tonumber(ARGV[10]), tonumber(ARGV[11])
local member, minMembers = ARGV[12], tonumber(ARGV[13])

local function outcome(total, giftTotal)
  if (giftLimit >= 0 and giftTotal <= giftLimit) or (clearLimit >= 0 and total <= clearLimit) then
    return 'cleared'
  end
  return 'formal'
end

local function touch()
  redis.call('PEXPIRE', day, ttl)
  redis.call('PEXPIRE', list, ttl)
  if minMembers > 0 then
    redis.call('PEXPIRE', KEYS[3], ttl)
  end
end

local function widen(scale)
  local current = tonumber(redis.call('HGET', day, 'scale') or '0')
  if scale > current then
    redis.call('HSET', day, 'scale', scale)
    return scale
  end
  return current
end

if kind ~= 'parcel' then
  local done = redis.call('HGET', day, 'e:' .. event)
  if done then
    local total, scale, giftTotal, superseded, was = string.match(done, '^(%-?%d+) (%d+) (%-?%d+) (%S+) (%a+)$')
    return {1, 0, total, tonumber(scale), 0, {}, giftTotal, 'ok', superseded, was}
  end
  local state = redis.call('HGET', day, 's:' .. parcel)
  if not state then
    return {0, 0, '0', 0, 0, {}, '0', 'unknown', '', ''}
  end
  local old, wasGift, status, last, was = string.match(state, '^(%-?%d+) (%d) (%a+) (%S+) (%a+)$')
  if status == 'cancelled' then
    return {0, 0, '0', 0, 0, {}, '0', 'cancelled', last, was}
  end
  if last == event then
    return {0, 0, '0', 0, 0, {}, '0', 'same_event', last, was}
  end
  local delta = -tonumber(old)
  if kind == 'amend' then
    delta = value - tonumber(old)
  end
  local total = redis.call('HINCRBY', day, 'total', delta)
  local giftTotal = tonumber(redis.call('HGET', day, 'gift_total') or '0')
  if wasGift == '1' then
    giftTotal = redis.call('HINCRBY', day, 'gift_total', delta)
  end
  local scale = tonumber(redis.call('HGET', day, 'scale') or '0')
  local newState
  if kind == 'cancel' then
    newState = old .. ' ' .. wasGift .. ' cancelled ' .. event .. ' ' .. was
  else
    scale = widen(places)
    newState = ARGV[2] .. ' ' .. wasGift .. ' active ' .. event .. ' ' .. outcome(total, giftTotal)
  end
  local totalText = redis.call('HGET', day, 'total')
  local giftText = redis.call('HGET', day, 'gift_total') or '0'
  redis.call('HSET', day, 's:' .. parcel, newState)
  redis.call('HSET', day, 'e:' .. event, totalText .. ' ' .. scale .. ' ' .. giftText .. ' ' .. last .. ' ' .. was)
  touch()
  return {0, 0, totalText, scale, 0, {}, giftText, 'ok', last, was}
end

local prev = redis.call('HGET', day, 'p:' .. parcel)
if prev then
  local seq, total, scale, alert, giftTotal = string.match(prev, '^(%d+) (%-?%d+) (%d+) (%d+) (%-?%d+)$')
  seq, alert = tonumber(seq), tonumber(alert)
  local entries = {}
  if alert > 0 then
    entries = redis.call('LRANGE', list, 0, seq - 1)
  end
  return {1, seq, total, tonumber(scale), alert, entries, giftTotal, 'ok', '', ''}
end

-- HINCRBY adds 64-bit integers exactly; the text form from HGET is what we
-- return, since Lua numbers are doubles.
local total = redis.call('HINCRBY', day, 'total', value)
local totalText = redis.call('HGET', day, 'total')
local seq = redis.call('HINCRBY', day, 'n', 1)
local scale = widen(places)
local giftTotal = tonumber(redis.call('HGET', day, 'gift_total') or '0')
if gift == '1' then
  giftTotal = redis.call('HINCRBY', day, 'gift_total', value)
end
local giftText = redis.call('HGET', day, 'gift_total') or '0'
redis.call('RPUSH', list, parcel .. ' ' .. carrier)

local members = 0
if minMembers > 0 then
  redis.call('SADD', KEYS[3], member)
  members = redis.call('SCARD', KEYS[3])
end

-- The alert: by the split rule, raised by the first parcel that is within
-- the threshold alone but takes the total above it; by the members rule,
-- by the first parcel after which the subject has enough distinct members
-- and a total above the threshold. Every later parcel of the subject under
-- a regime with a threshold publishes it again, one version higher.
local alert = 0
if threshold >= 0 then
  local from = tonumber(redis.call('HGET', day, 'alert_from') or '0')
  local raise
  if minMembers > 0 then
    raise = members >= minMembers and total > threshold
  else
    raise = value <= threshold and total > threshold
  end
  if from == 0 and raise then
    from = seq
    redis.call('HSET', day, 'alert_from', seq)
  end
  if from > 0 then
    alert = seq - from + 1
  end
end

redis.call('HSET', day, 'p:' .. parcel, seq .. ' ' .. totalText .. ' ' .. scale .. ' ' .. alert .. ' ' .. giftText)
redis.call('HSET', day, 's:' .. parcel, ARGV[2] .. ' ' .. gift .. ' active ' .. event .. ' ' .. outcome(total, giftTotal))
touch()

local entries = {}
if alert > 0 then
  entries = redis.call('LRANGE', list, 0, seq - 1)
end
return {0, seq, totalText, scale, alert, entries, giftText, 'ok', '', ''}
