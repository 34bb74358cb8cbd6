-- Counts parcel events toward their subjects' totals, each exactly once.
--
-- One call carries one or more ops. Op i (from 0) has three keys and
-- thirteen arguments:
--
-- KEYS[3i+1]  the subject's hash (a recipient's day, an order, an address's day)
-- KEYS[3i+2]  its list of parcels in evaluation order
-- KEYS[3i+3]  its set of distinct members (the names at an address); used
--             only when the minimum members argument is above 0
-- ARGV[13i+1]  parcel id (no spaces)
-- ARGV[13i+2]  the parcel's value in cents (integer; for a cancel, ignored)
-- ARGV[13i+3]  decimal places the value was written with (0..2)
-- ARGV[13i+4]  carrier
-- ARGV[13i+5]  alert threshold in cents, or -1 for no alert
-- ARGV[13i+6]  time to live in milliseconds
-- ARGV[13i+7]  event kind: parcel, amend or cancel
-- ARGV[13i+8]  event id (no spaces)
-- ARGV[13i+9]  1 when the parcel is declared a gift, else 0
-- ARGV[13i+10] clear limit: the parcel is cleared when the total is at most
--              this many cents (-1: never under de minimis)
-- ARGV[13i+11] gift limit: a gift is cleared when the gift total is at most
--              this many cents (-1: not as a gift)
-- ARGV[13i+12] member: the parcel's member of the set (a name key), or ""
-- ARGV[13i+13] minimum members: when above 0, the alert is raised once the
--              subject has that many distinct members and its total is above
--              the threshold, instead of by the split rule
--
-- Returns one reply per op: {duplicate (0|1), seq, total cents (string),
-- scale, alert version, entries, gift total cents (string), status,
-- superseded event id, superseded outcome}:
--   entries     the subject's "<parcel> <carrier>" up to this parcel when the
--               alert version is above 0, else empty
--   status      "ok", or for amend and cancel "unknown" (no such parcel
--               counted), "cancelled" (already cancelled) or "same_event"
--               (the event id is the one it would supersede)
--   superseded  for amend and cancel, the event id of the parcel's decision
--               this event replaces, and that decision's outcome ("cleared"
--               or "formal"), so a cancel goes to the replaced decision's topic
--
-- Hash fields: total, scale, n, alert_from, gift_total;
--   p:<parcel>  the parcel's first answer: "<seq> <total> <scale> <alert> <gift total>"
--   s:<parcel>  its current state: "<value cents> <gift 0|1> <active|cancelled> <last event id> <outcome>"
--   e:<event>   an amend's or cancel's answer: "<total> <scale> <gift total> <superseded event id> <outcome>"
--
-- The outcome kept for each parcel is computed here from the two limits the
-- caller derives from the regime (decide.Decide and decide.DecideGift give
-- the same answer; a test holds them together). The alert's split rule is
-- decide.DailyTotalApplies.
--
-- An event already applied returns its first answer and changes nothing, so
-- a retried command or a redelivered message never counts twice. Ops of one
-- call are applied in order, so two ops of one subject see each other.

-- Lua numbers are doubles: integers up to 2^53 print exactly with %d; a
-- larger total is read back as text from the hash.
local exact = 9007199254740992

local function count(day, list, members, a)
  local parcel, carrier = a[1], a[4]
  local value, places = tonumber(a[2]), tonumber(a[3])
  local threshold, ttl = tonumber(a[5]), tonumber(a[6])
  local kind, event, gift = a[7], a[8], a[9]
  local clearLimit, giftLimit = tonumber(a[10]), tonumber(a[11])
  local member, minMembers = a[12], tonumber(a[13])

  local function outcome(total, giftTotal)
    if (giftLimit >= 0 and giftTotal <= giftLimit) or (clearLimit >= 0 and total <= clearLimit) then
      return 'cleared'
    end
    return 'formal'
  end

  local function text(number, field)
    if number < exact then
      return string.format('%d', number)
    end
    return redis.call('HGET', day, field)
  end

  local function touch()
    redis.call('PEXPIRE', day, ttl)
    redis.call('PEXPIRE', list, ttl)
    if minMembers > 0 then
      redis.call('PEXPIRE', members, ttl)
    end
  end

  if kind ~= 'parcel' then
    local done, state, scaleNow = unpack(redis.call('HMGET', day, 'e:' .. event, 's:' .. parcel, 'scale'))
    if done then
      local total, scale, giftTotal, superseded, was = string.match(done, '^(%-?%d+) (%d+) (%-?%d+) (%S+) (%a+)$')
      return {1, 0, total, tonumber(scale), 0, {}, giftTotal, 'ok', superseded, was}
    end
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
    local scale = tonumber(scaleNow or '0')
    local newState
    if kind == 'cancel' then
      newState = old .. ' ' .. wasGift .. ' cancelled ' .. event .. ' ' .. was
    else
      if places > scale then
        scale = places
      end
      newState = a[2] .. ' ' .. wasGift .. ' active ' .. event .. ' ' .. outcome(total, giftTotal)
    end
    local totalText, giftText = text(total, 'total'), text(giftTotal, 'gift_total')
    redis.call('HSET', day, 's:' .. parcel, newState, 'scale', scale,
      'e:' .. event, totalText .. ' ' .. scale .. ' ' .. giftText .. ' ' .. last .. ' ' .. was)
    touch()
    return {0, 0, totalText, scale, 0, {}, giftText, 'ok', last, was}
  end

  local prev, scaleNow, giftNow, fromNow = unpack(redis.call('HMGET', day, 'p:' .. parcel, 'scale', 'gift_total', 'alert_from'))
  if prev then
    local seq, total, scale, alert, giftTotal = string.match(prev, '^(%d+) (%-?%d+) (%d+) (%d+) (%-?%d+)$')
    seq, alert = tonumber(seq), tonumber(alert)
    local entries = {}
    if alert > 0 then
      entries = redis.call('LRANGE', list, 0, seq - 1)
    end
    return {1, seq, total, tonumber(scale), alert, entries, giftTotal, 'ok', '', ''}
  end

  -- HINCRBY adds 64-bit integers exactly.
  local total = redis.call('HINCRBY', day, 'total', value)
  local seq = redis.call('HINCRBY', day, 'n', 1)
  local giftTotal = tonumber(giftNow or '0')
  if gift == '1' then
    giftTotal = redis.call('HINCRBY', day, 'gift_total', value)
  end
  local scale = tonumber(scaleNow or '0')
  if places > scale then
    scale = places
  end
  redis.call('RPUSH', list, parcel .. ' ' .. carrier)

  local memberCount = 0
  if minMembers > 0 then
    redis.call('SADD', members, member)
    memberCount = redis.call('SCARD', members)
  end

  -- The alert: by the split rule, raised by the first parcel that is within
  -- the threshold alone but takes the total above it; by the members rule,
  -- by the first parcel after which the subject has enough distinct members
  -- and a total above the threshold. Every later parcel of the subject under
  -- a regime with a threshold publishes it again, one version higher.
  local alert = 0
  local from = tonumber(fromNow or '0')
  if threshold >= 0 then
    local raise
    if minMembers > 0 then
      raise = memberCount >= minMembers and total > threshold
    else
      raise = value <= threshold and total > threshold
    end
    if from == 0 and raise then
      from = seq
    end
    if from > 0 then
      alert = seq - from + 1
    end
  end

  local totalText, giftText = text(total, 'total'), text(giftTotal, 'gift_total')
  redis.call('HSET', day,
    'p:' .. parcel, seq .. ' ' .. totalText .. ' ' .. scale .. ' ' .. alert .. ' ' .. giftText,
    's:' .. parcel, a[2] .. ' ' .. gift .. ' active ' .. event .. ' ' .. outcome(total, giftTotal),
    'scale', scale, 'alert_from', from)
  touch()

  local entries = {}
  if alert > 0 then
    entries = redis.call('LRANGE', list, 0, seq - 1)
  end
  return {0, seq, totalText, scale, alert, entries, giftText, 'ok', '', ''}
end

local replies = {}
local ops = #KEYS / 3
for i = 0, ops - 1 do
  local args = {}
  for j = 1, 13 do
    args[j] = ARGV[13 * i + j]
  end
  replies[i + 1] = count(KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3], args)
end
return replies
