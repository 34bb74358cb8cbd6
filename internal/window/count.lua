-- Counts parcel events toward their subjects' totals, each exactly once.
--
-- ARGV[1] is the time to live in milliseconds, for every key the call
-- touches. Then one call carries one or more ops. Op i (from 0) has three
-- keys and twelve arguments:
--
-- KEYS[3i+1]  the subject's hash (a recipient's day, an order, an address's day)
-- KEYS[3i+2]  the list of parcels of the layout before version 2
-- KEYS[3i+3]  the set of members of the layout before version 2
--             (both are read, moved into the hash and deleted the first
--             time a subject written before version 2 is touched)
-- ARGV[12i+2]  parcel id (no spaces)
-- ARGV[12i+3]  the parcel's value in cents (integer; for a cancel, ignored)
-- ARGV[12i+4]  decimal places the value was written with (0..2)
-- ARGV[12i+5]  carrier
-- ARGV[12i+6]  alert threshold in cents, or -1 for no alert
-- ARGV[12i+7]  event kind: parcel, amend or cancel
-- ARGV[12i+8]  event id (no spaces)
-- ARGV[12i+9]  1 when the parcel is declared a gift, else 0
-- ARGV[12i+10] clear limit: the parcel is cleared when the total is at most
--              this many cents (-1: never under de minimis)
-- ARGV[12i+11] gift limit: a gift is cleared when the gift total is at most
--              this many cents (-1: not as a gift)
-- ARGV[12i+12] member: the parcel's member of the set (a name key), or ""
-- ARGV[12i+13] minimum members: when above 0, the alert is raised once the
--              subject has that many distinct members and its total is above
--              the threshold, instead of by the split rule
--
-- Returns one flat array, ten values per op and then its entries:
--   duplicate (0|1), seq, total cents (text), scale, alert version, gift
--   total cents (text), status, superseded event id, superseded outcome,
--   the number of entries, and as many "<parcel> <carrier>" entries: the
--   subject's parcels up to this one when the alert version is above 0
--   status      "ok", or for amend and cancel "unknown" (no such parcel
--               counted), "cancelled" (already cancelled) or "same_event"
--               (the event id is the one it would supersede)
--   superseded  for amend and cancel, the event id of the decision this
--               event replaces, and that decision's outcome ("cleared" or
--               "formal"), so a cancel goes to the replaced decision's
--               topic; "" for none
--
-- Everything about a subject is in its one hash (layout version 2):
--   total, n, scale, alert_from, gift_total  the subject's figures (scale,
--                alert_from and gift_total only once they are not 0)
--   nm           the number of distinct members (address subjects)
--   p:<parcel>   the parcel's first answer and its current state:
--                "<seq> <total> <scale> <alert> <gift total>
--                 <value cents> <gift 0|1> <active|cancelled> <last event id> <outcome>"
--   l:<seq>      the seq-th parcel counted: "<parcel> <carrier>"
--   m:<member>   1 for each distinct member (address subjects), by the
--                member's first 32 characters (128 bits of a name key): a
--                field of at most 64 bytes keeps a small hash in Redis's
--                compact listpack encoding (hash-max-listpack-value),
--                where the whole 64-character key made every address's
--                day a hash table of more than twice the memory. Hashes
--                written before kept the whole member; both are read.
--   e:<event>    an amend's or cancel's answer: "<total> <scale> <gift total> <superseded event id> <outcome>"
-- Version 1 kept the current state in s:<parcel> ("<value cents> <gift>
-- <status> <last event id> <outcome>") and p:<parcel> had the first answer
-- alone; the script still reads such a state.
--
-- A first count costs three commands (HMGET, HSET, PEXPIRE) whatever the
-- scope: everything the op reads is in one HMGET and everything it writes
-- in one HSET of four or five fields.
--
-- The outcome kept for each parcel is computed here from the two limits the
-- caller derives from the regime (decide.Decide and decide.DecideGift give
-- the same answer; a test holds them together). The alert's split rule is
-- decide.DailyTotalApplies.
--
-- An event already applied returns its first answer and changes nothing, so
-- a retried command or a redelivered message never counts twice. Ops of one
-- call are applied in order, so two ops of one subject see each other.

-- Lua numbers are doubles. Below 2^52 a sum of two is exact and prints
-- exactly with %d; beyond that, totals are added by HINCRBY (64-bit) and
-- read back as text.
local safe = 4503599627370496

local ttl = ARGV[1]

local function outcome(total, giftTotal, clearLimit, giftLimit)
  if (giftLimit >= 0 and giftTotal <= giftLimit) or (clearLimit >= 0 and total <= clearLimit) then
    return 'cleared'
  end
  return 'formal'
end

-- The reply, filled op by op.
local reply, r = {}, 0

local function answer(dup, seq, total, scale, alert, giftTotal, status, superseded, was, list)
  reply[r + 1], reply[r + 2], reply[r + 3], reply[r + 4], reply[r + 5] = dup, seq, total, scale, alert
  reply[r + 6], reply[r + 7], reply[r + 8], reply[r + 9] = giftTotal, status, superseded or '', was or ''
  r = r + 10
  if not list then
    reply[r] = 0
    return
  end
  reply[r] = #list
  for i = 1, #list do
    reply[r + i] = list[i]
  end
  r = r + #list
end

-- add returns field + delta as a number (for comparisons) and as exact
-- text, and has it written: by HINCRBY beyond 2^52, else by appending it to
-- writes, the caller's HSET.
local function add(key, field, now, delta, writes)
  local n = tonumber(now or '0')
  if n > -safe and n < safe and delta > -safe and delta < safe then
    local sum = n + delta
    local text = string.format('%d', sum)
    writes[#writes + 1] = field
    writes[#writes + 1] = text
    return sum, text
  end
  redis.call('HINCRBY', key, field, delta)
  return n + delta, redis.call('HGET', key, field)
end

-- totals adds delta to the total, and to the gift total when gift is '1',
-- and returns both as numbers and as text.
local function totals(key, totalNow, giftNow, delta, gift, writes)
  local total, totalText = add(key, 'total', totalNow, delta, writes)
  if gift == '1' then
    local giftTotal, giftText = add(key, 'gift_total', giftNow, delta, writes)
    return total, totalText, giftTotal, giftText
  end
  return total, totalText, tonumber(giftNow or '0'), giftNow or '0'
end

-- hmget reads many fields without passing more than a thousand arguments
-- to one call.
local function hmget(key, fields)
  local out = {}
  for from = 1, #fields, 1000 do
    local part = redis.call('HMGET', key, unpack(fields, from, math.min(from + 999, #fields)))
    for i = 1, #part do
      out[#out + 1] = part[i]
    end
  end
  return out
end

-- memberField is the field that marks member as counted.
local function memberField(member)
  return 'm:' .. string.sub(member, 1, 32)
end

local function hset(key, fields)
  for from = 1, #fields, 1000 do
    redis.call('HSET', key, unpack(fields, from, math.min(from + 999, #fields)))
  end
end

-- entries returns the subject's first seq "<parcel> <carrier>" entries.
local function entries(day, seq)
  local fields = {}
  for i = 1, seq do
    fields[i] = 'l:' .. i
  end
  return hmget(day, fields)
end

-- migrate moves a subject written before layout version 2 (its parcels in
-- a list, its members in a set) into its hash.
local function migrate(day, list, members)
  local fields = {}
  for i, entry in ipairs(redis.call('LRANGE', list, 0, -1)) do
    fields[#fields + 1] = 'l:' .. i
    fields[#fields + 1] = entry
  end
  local names = redis.call('SMEMBERS', members)
  for _, name in ipairs(names) do
    fields[#fields + 1] = memberField(name)
    fields[#fields + 1] = 1
  end
  if #names > 0 then
    fields[#fields + 1] = 'nm'
    fields[#fields + 1] = #names
  end
  if #fields > 0 then
    hset(day, fields)
  end
  redis.call('DEL', list, members)
end

-- state returns a parcel's first answer and its current state from p: (and
-- from s: for a parcel counted by layout version 1).
local function state(p, s)
  local first, now = string.match(p, '^(%d+ %-?%d+ %d+ %d+ %-?%d+) ?(.*)$')
  if now == '' then
    now = s
  end
  return first, now
end

local function change(day, b)
  local parcel, kind, event = ARGV[b + 1], ARGV[b + 6], ARGV[b + 7]
  local value, places = tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
  local clearLimit, giftLimit = tonumber(ARGV[b + 9]), tonumber(ARGV[b + 10])

  local done, p, s, scaleNow, totalNow, giftNow = unpack(redis.call('HMGET', day,
    'e:' .. event, 'p:' .. parcel, 's:' .. parcel, 'scale', 'total', 'gift_total'))
  if done then
    local total, scale, giftTotal, superseded, was = string.match(done, '^(%-?%d+) (%d+) (%-?%d+) (%S+) (%a+)$')
    return answer(1, 0, total, scale, 0, giftTotal, 'ok', superseded, was)
  end
  if not p then
    return answer(0, 0, 0, 0, 0, 0, 'unknown', '', '')
  end
  local first, now = state(p, s)
  local old, wasGift, status, last, was = string.match(now, '^(%-?%d+) (%d) (%a+) (%S+) (%a+)$')
  if status == 'cancelled' then
    return answer(0, 0, 0, 0, 0, 0, 'cancelled', last, was)
  end
  if last == event then
    return answer(0, 0, 0, 0, 0, 0, 'same_event', last, was)
  end
  local delta = -tonumber(old)
  if kind == 'amend' then
    delta = value - tonumber(old)
  end
  local writes = {}
  local total, totalText, giftTotal, giftText = totals(day, totalNow, giftNow, delta, wasGift, writes)
  local scale = tonumber(scaleNow or '0')
  local newState
  if kind == 'cancel' then
    newState = old .. ' ' .. wasGift .. ' cancelled ' .. event .. ' ' .. was
  else
    if places > scale then
      scale = places
      writes[#writes + 1] = 'scale'
      writes[#writes + 1] = scale
    end
    newState = ARGV[b + 2] .. ' ' .. wasGift .. ' active ' .. event .. ' ' .. outcome(total, giftTotal, clearLimit, giftLimit)
  end
  writes[#writes + 1] = 'p:' .. parcel
  writes[#writes + 1] = first .. ' ' .. newState
  writes[#writes + 1] = 'e:' .. event
  writes[#writes + 1] = totalText .. ' ' .. scale .. ' ' .. giftText .. ' ' .. last .. ' ' .. was
  redis.call('HSET', day, unpack(writes))
  redis.call('PEXPIRE', day, ttl)
  return answer(0, 0, totalText, scale, 0, giftText, 'ok', last, was)
end

local function count(day, list, members, b)
  local parcel, carrier = ARGV[b + 1], ARGV[b + 4]
  local value, places = tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
  local threshold, gift = tonumber(ARGV[b + 5]), ARGV[b + 8]
  local clearLimit, giftLimit = tonumber(ARGV[b + 9]), tonumber(ARGV[b + 10])
  local member, minMembers = ARGV[b + 11], tonumber(ARGV[b + 12])

  -- A subject of layout version 1 has n but no l:1.
  local fields = {'p:' .. parcel, 'n', 'l:1', 'total', 'scale', 'gift_total', 'alert_from'}
  if minMembers > 0 then
    fields[8], fields[9], fields[10] = 'nm', memberField(member), 'm:' .. member
  end
  local got = redis.call('HMGET', day, unpack(fields))
  if got[2] and not got[3] then
    migrate(day, list, members)
    got = redis.call('HMGET', day, unpack(fields))
  end
  local prev, nNow, _, totalNow, scaleNow, giftNow, fromNow, nmNow, isMember, wasMember = unpack(got, 1, 10)

  if prev then
    local seq, total, scale, alert, giftTotal = string.match(prev, '^(%d+) (%-?%d+) (%d+) (%d+) (%-?%d+)')
    local list
    if tonumber(alert) > 0 then
      list = entries(day, tonumber(seq))
    end
    return answer(1, seq, total, scale, alert, giftTotal, 'ok', '', '', list)
  end

  local seq = tonumber(nNow or '0') + 1
  local writes = {'n', seq, 'l:' .. seq, parcel .. ' ' .. carrier}
  local scale = tonumber(scaleNow or '0')
  if places > scale then
    scale = places
    writes[#writes + 1] = 'scale'
    writes[#writes + 1] = scale
  end
  local total, totalText, giftTotal, giftText = totals(day, totalNow, giftNow, value, gift, writes)

  local memberCount = 0
  if minMembers > 0 then
    memberCount = tonumber(nmNow or '0')
    if not isMember and not wasMember then
      memberCount = memberCount + 1
      writes[#writes + 1] = memberField(member)
      writes[#writes + 1] = 1
      writes[#writes + 1] = 'nm'
      writes[#writes + 1] = memberCount
    end
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
      writes[#writes + 1] = 'alert_from'
      writes[#writes + 1] = from
    end
    if from > 0 then
      alert = seq - from + 1
    end
  end

  writes[#writes + 1] = 'p:' .. parcel
  writes[#writes + 1] = seq .. ' ' .. totalText .. ' ' .. scale .. ' ' .. alert .. ' ' .. giftText .. ' '
    .. ARGV[b + 2] .. ' ' .. gift .. ' active ' .. ARGV[b + 7] .. ' ' .. outcome(total, giftTotal, clearLimit, giftLimit)
  redis.call('HSET', day, unpack(writes))
  redis.call('PEXPIRE', day, ttl)

  local list
  if alert > 0 then
    list = entries(day, seq)
  end
  return answer(0, seq, totalText, scale, alert, giftText, 'ok', '', '', list)
end

for i = 0, #KEYS / 3 - 1 do
  local b = 12 * i + 1
  if ARGV[b + 6] == 'parcel' then
    count(KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3], b)
  else
    change(KEYS[3 * i + 1], b)
  end
end
return reply
