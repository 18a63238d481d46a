--[[
  Records one announce and selects peers, atomically and in one round trip.

  Mirrors src/accounting/settle.ts (settle, isTooEarly, bonusPoints) and MemoryStore.announce step
  for step, in the same operation order so that the floating-point results are the same bits: a
  change there is a change here, and the contract suite (test/contract) holds both to it.

  Input:
    KEYS[1]  peers         HASH  peerKey -> record (44 bytes, see peer-record.ts) .. struct '<dddd'
                                 (uploaded, downloaded, left, lastSeen)
    KEYS[2]  seeders       ZSET  peerKey -> join sequence
    KEYS[3]  leechers      ZSET  peerKey -> join sequence
    KEYS[4]  expiry        ZSET  peerKey -> lastSeen
    KEYS[5]  torrent       HASH  counters (announces, snatches, up_raw, down_raw, up, down) and
                                 rotation state (seq, cur_s, cur_l)
    KEYS[6]  user-torrent  HASH  up_raw, down_raw, up, down, seed_time, snatched, left, first_seen, last_seen
    KEYS[7]  user          HASH  counters up_raw, down_raw, up, down, bonus, snatches, announces, cheats
    KEYS[8]  user torrents SET   info_hashes the user announced
    KEYS[9]  reap          ZSET  info_hash -> no later than the swarm's oldest lastSeen
    KEYS[10] cheats        LIST  cheat events, newest first
    KEYS[11] torrent ids   HASH  torrent id -> info_hash (how userTorrentStats finds the ledger)

    ARGV[1]  peerKey: "<uid>:" .. 20 raw peer_id bytes
    ARGV[2]  peer_id (20 raw bytes)
    ARGV[3]  endpoint: 6 bytes (IPv4 + port) or 18 bytes (IPv6 + port)
    ARGV[4]  uploaded     ARGV[5] downloaded     ARGV[6] left   (decimal integers below 2^53)
    ARGV[7]  event: "" | started | stopped | completed | paused
    ARGV[8]  numwant (0 = no peers)
    ARGV[9]  now, unix seconds (the caller's clock, never Redis TIME)
    ARGV[10] min interval, seconds (0 = no too-early rule)
    ARGV[11] multiUp      ARGV[12] multiDown     ARGV[13] bonusRate
    ARGV[14] interval, seconds
    ARGV[15] maxUploadRate, bytes per second (0 = no ceiling)
    ARGV[16] info_hash (40 hex): the member of the reap and user-torrents sets
    ARGV[17] user id      ARGV[18] torrent id    (written into cheat events)
    ARGV[19] most cheat events kept

  Output: { seeders, leechers, snatches, tooEarly (0|1), unknownPeer (0|1), record, record, ... }
    seeders/leechers/snatches are the swarm's figures after the announce; the records (44 bytes each)
    are the selected peers, never the announcing one.
]]

local peersKey, seedersKey, leechersKey, expiryKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local torrentKey, utKey, userKey, userTorrentsKey, reapKey, cheatsKey = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local torrentIdsKey = KEYS[11]

local key = ARGV[1]
local peerId = ARGV[2]
local endpoint = ARGV[3]
local uploaded = tonumber(ARGV[4])
local downloaded = tonumber(ARGV[5])
local left = tonumber(ARGV[6])
local event = ARGV[7]
local numwant = tonumber(ARGV[8])
local now = tonumber(ARGV[9])
local minInterval = tonumber(ARGV[10])
local multiUp = tonumber(ARGV[11])
local multiDown = tonumber(ARGV[12])
local bonusRate = tonumber(ARGV[13])
local interval = tonumber(ARGV[14])
local maxUploadRate = tonumber(ARGV[15])
local infoHash = ARGV[16]

local RECORD_LEN = 44
local GIB = 1073741824

local function counts()
  return redis.call('ZCARD', seedersKey), redis.call('ZCARD', leechersKey), tonumber(redis.call('HGET', torrentKey, 'snatches') or '0')
end

-- Numbers go to Redis as "%.17g" text: exact for integers below 2^53 and for any double.
local function fmt(n)
  return string.format('%.17g', n)
end

redis.call('HINCRBY', userKey, 'announces', 1)
redis.call('HINCRBY', torrentKey, 'announces', 1)

local stored = redis.call('HGET', peersKey, key)
local prev, record
if stored then
  record = string.sub(stored, 1, RECORD_LEN)
  local pu, pd, pl, ps = struct.unpack('<dddd', stored, RECORD_LEN + 1)
  prev = { uploaded = pu, downloaded = pd, left = pl, lastSeen = ps }
end

-- Some clients retry a failed `stopped` forever: an unknown peer stopping succeeds and changes nothing.
if event == 'stopped' and not prev then
  local s, l, n = counts()
  return { s, l, n, 0, 1 }
end

-- A new ledger: index it by user and by torrent id (putTorrent writes the latter too).
if redis.call('HSETNX', utKey, 'first_seen', ARGV[9]) == 1 then
  redis.call('SADD', userTorrentsKey, infoHash)
  redis.call('HSET', torrentIdsKey, ARGV[18], infoHash)
end
local history = redis.call('HMGET', utKey, 'up', 'seed_time', 'snatched')
local histUp = tonumber(history[1] or '0')
local histSeed = tonumber(history[2] or '0')
local histSnatched = history[3] == '1'
local seeders = redis.call('ZCARD', seedersKey)

-- settle.ts: counterDelta
local function counterDelta(before, after)
  if after >= before then return after - before end
  return 0
end

-- settle.ts: bonusPoints
local function bonusPoints(uploadedTotal, seedTimeTotal, swarmSeeders, elapsed)
  local weight = math.min(elapsed / interval, 1)
  if weight <= 0 or bonusRate <= 0 then return 0 end
  local points = (uploadedTotal / GIB + 1 + (seedTimeTotal / 3600 + 1) * 5 * (10 / math.max(swarmSeeders, 1))) / 1000
  return points * bonusRate * weight
end

-- settle.ts: settle
local snatch = event == 'completed' and not histSnatched
local upRaw, downRaw, up, down, seedTime, bonus = 0, 0, 0, 0, 0, 0
local cheatRate, cheatReported, cheatAllowed
if prev then
  local elapsed = math.max(now - prev.lastSeen, 0)
  upRaw = counterDelta(prev.uploaded, uploaded)
  downRaw = counterDelta(prev.downloaded, downloaded)
  local allowed = upRaw
  if maxUploadRate > 0 then
    local window = math.max(elapsed, 1)
    local ceiling = maxUploadRate * window
    if upRaw > ceiling then
      allowed = ceiling
      cheatRate, cheatReported, cheatAllowed = math.floor(upRaw / window), upRaw, allowed
    end
  end
  up = math.floor(allowed * multiUp)
  down = math.floor(downRaw * multiDown)
  if prev.left == 0 then seedTime = elapsed end
  bonus = bonusPoints(histUp + up, histSeed + seedTime, seeders, elapsed)
end

-- settle.ts: isTooEarly
local tooEarly = false
if prev and minInterval > 0 and (event == '' or event == 'paused') then
  tooEarly = now - prev.lastSeen < minInterval
end

if upRaw ~= 0 then
  redis.call('HINCRBY', userKey, 'up_raw', fmt(upRaw))
  redis.call('HINCRBY', torrentKey, 'up_raw', fmt(upRaw))
  redis.call('HINCRBY', utKey, 'up_raw', fmt(upRaw))
end
if downRaw ~= 0 then
  redis.call('HINCRBY', userKey, 'down_raw', fmt(downRaw))
  redis.call('HINCRBY', torrentKey, 'down_raw', fmt(downRaw))
  redis.call('HINCRBY', utKey, 'down_raw', fmt(downRaw))
end
if up ~= 0 then
  redis.call('HINCRBY', userKey, 'up', fmt(up))
  redis.call('HINCRBY', torrentKey, 'up', fmt(up))
  redis.call('HINCRBY', utKey, 'up', fmt(up))
end
if down ~= 0 then
  redis.call('HINCRBY', userKey, 'down', fmt(down))
  redis.call('HINCRBY', torrentKey, 'down', fmt(down))
  redis.call('HINCRBY', utKey, 'down', fmt(down))
end
if bonus ~= 0 then
  -- Added as a double here rather than with HINCRBYFLOAT (long double in Redis) so that the total
  -- is the same bits as the memory store's `bonus += points`.
  local total = tonumber(redis.call('HGET', userKey, 'bonus') or '0') + bonus
  redis.call('HSET', userKey, 'bonus', fmt(total))
end
if seedTime ~= 0 then
  redis.call('HINCRBY', utKey, 'seed_time', fmt(seedTime))
end
redis.call('HSET', utKey, 'left', ARGV[6], 'last_seen', ARGV[9])
if snatch then
  redis.call('HSET', utKey, 'snatched', '1')
  redis.call('HINCRBY', userKey, 'snatches', 1)
  redis.call('HINCRBY', torrentKey, 'snatches', 1)
end
if cheatRate then
  redis.call('HINCRBY', userKey, 'cheats', 1)
  local hex = string.gsub(peerId, '.', function(c) return string.format('%02x', string.byte(c)) end)
  redis.call('LPUSH', cheatsKey, table.concat({ ARGV[9], ARGV[17], ARGV[18], hex, fmt(cheatRate), fmt(cheatReported), fmt(cheatAllowed) }, ' '))
  redis.call('LTRIM', cheatsKey, 0, tonumber(ARGV[19]) - 1)
end

if event == 'stopped' then
  redis.call('HDEL', peersKey, key)
  redis.call('ZREM', seedersKey, key)
  redis.call('ZREM', leechersKey, key)
  redis.call('ZREM', expiryKey, key)
  if redis.call('ZCARD', expiryKey) == 0 then redis.call('ZREM', reapKey, infoHash) end
  local s, l, n = counts()
  return { s, l, n, 0, 0 }
end

-- peer-record.ts: writeEndpoint
if not record then record = string.rep('\0', RECORD_LEN) end
record = peerId .. string.sub(record, 21)
if #endpoint == 6 then
  record = string.sub(record, 1, 20) .. endpoint .. string.sub(record, 27)
else
  record = string.sub(record, 1, 26) .. endpoint
end
redis.call('HSET', peersKey, key, record .. struct.pack('<dddd', uploaded, downloaded, left, now))

-- A peer joins the back of its rotation; one that changes side joins the back of the other one.
local seeder = left == 0
local mine, other = leechersKey, seedersKey
if seeder then mine, other = seedersKey, leechersKey end
redis.call('ZREM', other, key)
if not redis.call('ZSCORE', mine, key) then
  redis.call('ZADD', mine, redis.call('HINCRBY', torrentKey, 'seq', 1), key)
end
redis.call('ZADD', expiryKey, ARGV[9], key)
-- LT keeps the swarm's reap time no later than its oldest lastSeen.
redis.call('ZADD', reapKey, 'LT', ARGV[9], infoHash)

-- rotation.ts: take. Up to n members after the cursor (wrapping around), never the asker; the
-- cursor moves past what was looked at, so with no churn each member is shown once every
-- ceil(size / n) takes.
local selected = {}
local function take(zkey, cursorField, n)
  if n <= 0 then return end
  local size = redis.call('ZCARD', zkey)
  if size == 0 then return end
  local looked, taken, last = 0, 0, nil
  local function scan(min, max, limit)
    local batch = redis.call('ZRANGEBYSCORE', zkey, min, max, 'WITHSCORES', 'LIMIT', 0, limit)
    for i = 1, #batch, 2 do
      if looked >= size or taken >= n then return end
      looked = looked + 1
      last = batch[i + 1]
      if batch[i] ~= key then
        selected[#selected + 1] = batch[i]
        taken = taken + 1
      end
    end
  end
  local cursor = redis.call('HGET', torrentKey, cursorField)
  if cursor then
    scan('(' .. cursor, '+inf', n + 1)
    if taken < n and looked < size then scan('-inf', cursor, n - taken + 1) end
  else
    scan('-inf', '+inf', n + 1)
  end
  if last then redis.call('HSET', torrentKey, cursorField, last) end
end

if not tooEarly and numwant > 0 then
  -- A seeder or a partial seed (BEP 21 paused) has no use for seeders.
  if not seeder and event ~= 'paused' then take(seedersKey, 'cur_s', numwant) end
  take(leechersKey, 'cur_l', numwant - #selected)
end

local s, l, n = counts()
local reply = { s, l, n, tooEarly and 1 or 0, 0 }
if #selected > 0 then
  local values = redis.call('HMGET', peersKey, unpack(selected))
  for i = 1, #values do
    if values[i] then reply[#reply + 1] = string.sub(values[i], 1, RECORD_LEN) end
  end
end
return reply
