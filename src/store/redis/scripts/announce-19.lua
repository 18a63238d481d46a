--[[
  Records one announce and selects peers, atomically and in one round trip.

  Mirrors src/accounting/settle.ts (settle, oversizedFigure, isTooEarly, bonusPoints) and
  MemoryStore.announce step for step, in the same operation order so that the floating-point results are the same bits: a
  change there is a change here, and the contract suite (test/contract) holds both to it.

  Input:
    KEYS[1]  peers         HASH  peerKey ("<uid>:" .. 20 raw peer_id bytes, built here) -> record
                                 (44 bytes, see peer-record.ts) .. struct '<dddd'
                                 (uploaded, downloaded, left, lastSeen)
    KEYS[2]  seeders       ZSET  peerKey -> slot: the peer's place in KEYS[18], 0 .. ZCARD - 1
    KEYS[3]  leechers      ZSET  peerKey -> slot in KEYS[19]
    KEYS[4]  expiry        ZSET  peerKey -> lastSeen
    KEYS[5]  torrent       HASH  counters (announces, snatches, up_raw, down_raw, up, down),
                                 rotation cursors (cur_s, cur_l: the slot the next selection
                                 starts at, taken modulo the size) and leecher_at (unix s of the last
                                 announce that saw a leecher, for the no-leechers rule)
    KEYS[6]  user-torrent  HASH  up_raw, down_raw, up, down, seed_time, leech_time, snatched, left,
                                 first_seen, last_seen, stopped ('1' when this announce was a `stopped`,
                                 else '0'), torrent_id (written with first_seen), budget_at (unix ms the
                                 upload budget accrues from), clock_at (unix s wall time is accrued to)
    KEYS[7]  user          HASH  counters up_raw, down_raw, up, down, bonus, snatches, announces, cheats
    KEYS[8]  user torrents SET   info_hashes the user announced
    KEYS[9]  reap          ZSET  info_hash -> no later than the swarm's oldest lastSeen
    KEYS[10] cheats        LIST  cheat events, newest first
    KEYS[11] torrent ids   HASH  torrent id -> info_hash (how userTorrentStats finds the ledger)
    KEYS[12] totals        HASH  seeders, leechers over every swarm: HINCRBY only when a peer joins,
                                 changes side or leaves a rotation (a plain re-announce writes nothing);
                                 cheats:<kind>, cheat events ever recorded per kind
    KEYS[13] dirty users   SET   user ids changed since their last SQL flush
    KEYS[14] dirty torrents SET  info_hashes changed since their last SQL flush
    KEYS[15] owners        HASH  user id -> that user's live peers in the swarm (the peer limit), and
                                 "i" .. address bytes -> live peers under that address (the per-IP
                                 limit; ipOf below), both moved whenever a peer joins, leaves or moves
    KEYS[16] leeching      HASH  user id -> that user's peers in a leechers zset over every swarm
                                 (leech slots), moved by the same joins and leaves as the
                                 totals. On a cluster it would span slots: KEYS[16] is the ledger
                                 again, never written, and leech slots are not counted (ARGV[25] 0).
    KEYS[17] flush cheats  LIST  cheat events not yet in a SQL flush batch, oldest first (the newest
                                 ARGV[19] kept), written only when ARGV[26] is "1"
    KEYS[18] seeder records  STRING the seeders' 44-byte records end to end in slot order (bytes past
                                 ZCARD seeders × 44 are stale: Redis cannot truncate a string)
    KEYS[19] leecher records STRING the same for the leechers

    ARGV[1]  peer_id (20 bytes) then endpoint (6 bytes IPv4 + port, or 18 bytes IPv6 + port), as
             latin1 text in UTF-8: each byte 0x80-0xFF arrives as two (0xC2 or 0xC3, then 0x80-0xBF)
             and is decoded below. The client sends text, not binary, because its binary argument
             path costs several times more per command (docs/performance.md).
    ARGV[2]  ARGV[3]  unused ("": they held the peerKey and the endpoint; the slots after them keep
             their numbers)
    ARGV[4]  uploaded     ARGV[5] downloaded     ARGV[6] left   (decimal integers below 2^53)
    ARGV[7]  event: "" | started | stopped | completed | paused
    ARGV[8]  numwant (0 = no peers)
    ARGV[9]  now, unix seconds (the caller's clock, never Redis TIME)
    ARGV[10] min interval, seconds (0 = no too-early rule)
    ARGV[11] multiUp      ARGV[12] multiDown     ARGV[13] bonusRate
    ARGV[14] interval, seconds
    ARGV[15] maxUploadRate, bytes per second (0 = no ceiling)
    ARGV[16] info_hash (40 hex): the member of the reap and user-torrents sets
    ARGV[17] user id      ARGV[18] torrent id    (written into cheat events; the torrent id also
                                                  into a new ledger)
    ARGV[19] most cheat events kept
    ARGV[20] "1" when the SQL flush is on: the user joins KEYS[13] when its transfer, bonus or
             snatches moved, the torrent joins KEYS[14] when its snatches or peer counts moved
    ARGV[21] "1" on Redis Cluster, where every key must share the swarm's slot. The keys are then:
             KEYS[7], KEYS[8], KEYS[10], KEYS[11] the user-torrent ledger again (KEYS[6]),
             KEYS[9] and KEYS[12] the reap and totals of the swarm's slot, KEYS[13] the slot's
             unsynced set, KEYS[14] unused. The user's counters (announces, transfer, bonus,
             snatches, cheats) go up in the ledger instead of the user's hash, the ledger's `v`
             goes up by one and "<info_hash> <uid>" joins KEYS[13]; user-sync-4.lua moves the
             change into the user's slot, exactly once (docs/redis-keys.md, "Redis Cluster").
    ARGV[22] now, unix milliseconds (the same instant as ARGV[9]; the upload budget's clock)
    ARGV[23] "1": credit a seeder's upload when its swarm had no leecher (a cheat event either way)
    ARGV[24] most live peers of one user in the swarm (0 = no limit)
    ARGV[25] the user's leech slots: most of its peers leeching at once over every swarm (0 = no limit)
    ARGV[26] "1" when cheat events go to the SQL flush (sql.flush.cheats.table; never on a cluster)
    ARGV[27] most live peers under one IP address in the swarm (0 = no limit)
    ARGV[28] the credit rule applied (accounting/credit-rule.ts label), kept in the ledger's `rule`;
             "" leaves it as it was
    ARGV[29] SQL flush site rows (sql.flush.history/peers/snatches; never on a cluster): the name of
             the dirty-peers HASH, or "" when off. A key passed as an argument rather than a KEYS[20],
             so this script keeps its key count: it is a standalone key, written only here, outside
             any cluster. The peer's field "<info_hash><peerKey>" gets ARGV[30], and the ledger's
             `announces` goes up by one.
    ARGV[30] the announce's User-Agent (the site's peers row shows it)

  Output: { -1 } when the announce is older than the peer's last one (overtaken: nothing written),
          { -2, "peers_per_user_torrent" | "peers_per_ip_torrent" | "leech_slots" } when a peer
          would break a peer limit
          (nothing written),
          { -3, "uploaded" | "downloaded" } when a credited figure would not be an integer below 2^53
          (nothing written), else
          { seeders, leechers, snatches, tooEarly (0|1), unknownPeer (0|1), peers }
    seeders/leechers/snatches are the swarm's figures after the announce; peers is one string, the
    44-byte records of the selected peers (never the announcing one) end to end, as the client
    hands them out. On a cluster a sixth element comes before peers: the ledger's { v, up_raw, down_raw, up, down, announces, cheats, snatches,
    bonus, this announce's bonus, cheat event or "" } for user-sync-4.lua.

  Cost (bench/redis-script.ts measures it): most of the script's time is the redis.call machinery
  (a few µs per call whatever the command), then Lua's number <-> text conversions (tonumber,
  string.format) and the strings of each reply. So the script reads what it needs once (HMGET of
  the torrent's snatches/cursors and of the user-torrent history), keeps the seeder and leecher
  counts from one ZCARD each plus what its joins and leaves moved instead of reading them again
  (the global totals move by the same amounts), and writes the user-torrent fields and the
  torrent's cursors with one HSET each. A known peer that stays on its side of the swarm (its last
  `left` says which) is not moved between the rotations at all, and a known peer needs no reap
  ZADD (the swarm's reap score is already no later than its last announce). Peer selection is
  rotation.ts's take: one GETRANGE of neighbouring slots of the records string (two or three when
  it wraps around or cuts the asker out), whatever the swarm's size; reading members from the zset
  and their values from the peers hash cost 37-49 µs for 50 peers, growing with the swarm
  (docs/performance.md). Counters go up with HINCRBY: reading them with the HMGETs and writing
  them with the HSETs was measured and cost more (the extra reply strings, tonumber and
  string.format in Lua against HINCRBY's conversions in C); so did passing Lua numbers to
  redis.call instead of "%.17g" text for the counters. Slots and byte offsets go as Lua numbers:
  formatting them as text in Lua measured no cheaper.
]]

local peersKey, seedersKey, leechersKey, expiryKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local torrentKey, utKey, userKey, userTorrentsKey, reapKey, cheatsKey = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local torrentIdsKey, totalsKey, dirtyUsersKey, dirtyTorrentsKey, ownersKey, leechingKey = KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15], KEYS[16]
local seederRecordsKey, leecherRecordsKey = KEYS[18], KEYS[19]

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
local flush = ARGV[20] == '1'
local cluster = ARGV[21] == '1'
local nowMs = tonumber(ARGV[22])
local creditWithoutLeechers = ARGV[23] == '1'
local maxPeersPerUser = tonumber(ARGV[24])
local leechSlots = tonumber(ARGV[25])
local maxPeersPerIp = tonumber(ARGV[27])
local uid = ARGV[17]

local RECORD_LEN = 44
local GIB = 1073741824
local MAX_FIGURE = 9007199254740991 -- 2^53 - 1 (settle.ts MAX_FIGURE)

-- ARGV[1] back to bytes (see the header): 0xC2 x is x, 0xC3 x is x + 0x40 (a function call only
-- for each byte >= 0xC0). Measured: checking first with string.find whether there is anything to
-- decode cost more than the two gsubs over ASCII text.
local wire = string.gsub(string.gsub(ARGV[1], '\194([\128-\191])', '%1'), '\195([\128-\191])', function(c) return string.char(string.byte(c) + 64) end)
local peerId = string.sub(wire, 1, 20)
local endpoint = string.sub(wire, 21)
local key = uid .. ':' .. peerId

-- Numbers go to Redis as "%.17g" text: exact for integers below 2^53 and for any double.
local function fmt(n)
  return string.format('%.17g', n)
end

-- peer-record.ts: addressKey. The owners field a peer counts under: its IPv4 address when its
-- record has an IPv4 endpoint, else its IPv6 address ("i" keeps it apart from the user ids).
local V4_NONE = string.rep('\0', 6)
local function ipOf(rec)
  if string.sub(rec, 21, 26) ~= V4_NONE then return 'i' .. string.sub(rec, 21, 24) end
  return 'i' .. string.sub(rec, 27, 42)
end
local function countIp(field, d)
  if redis.call('HINCRBY', ownersKey, field, d) <= 0 then redis.call('HDEL', ownersKey, field) end
end

local stored = redis.call('HGET', peersKey, key)
local bonus, cheatLine = 0, ''

-- Cluster: the ledger's figures after this announce, for the user's slot (see the header).
local function withSync(reply)
  if not cluster then return reply end
  local v = redis.call('HINCRBY', utKey, 'v', 1)
  redis.call('SADD', dirtyUsersKey, infoHash .. ' ' .. ARGV[17])
  local f = redis.call('HMGET', utKey, 'up_raw', 'down_raw', 'up', 'down', 'announces', 'cheats', 'snatches', 'bonus')
  local sync = { v }
  for i = 1, 8 do sync[i + 1] = f[i] or '0' end
  sync[10] = fmt(bonus)
  sync[11] = cheatLine
  table.insert(reply, 6, sync)
  return reply
end

-- Some clients retry a failed `stopped` forever: an unknown peer stopping succeeds and changes
-- nothing but the announce counters.
if event == 'stopped' and not stored then
  redis.call('HINCRBY', userKey, 'announces', 1)
  redis.call('HINCRBY', torrentKey, 'announces', 1)
  return withSync({ redis.call('ZCARD', seedersKey), redis.call('ZCARD', leechersKey), tonumber(redis.call('HGET', torrentKey, 'snatches') or '0'), 0, 1, '' })
end

local prev, record
if stored then
  record = string.sub(stored, 1, RECORD_LEN)
  local pu, pd, pl, ps = struct.unpack('<dddd', stored, RECORD_LEN + 1)
  prev = { uploaded = pu, downloaded = pd, left = pl, lastSeen = ps }
end

-- settle.ts: isOvertaken. Nothing is written, not even the announce counters.
if prev and now < prev.lastSeen then
  return { -1 }
end

-- MemoryStore.overLimit: a new peer beyond the user's limit on this torrent is refused, unwritten.
-- A new peer's record holds only this announce's endpoint: its address is the endpoint's.
if not prev and (maxPeersPerUser > 0 or maxPeersPerIp > 0) then
  local owned = redis.call('HMGET', ownersKey, uid, 'i' .. string.sub(endpoint, 1, #endpoint - 2))
  if maxPeersPerUser > 0 and tonumber(owned[1] or '0') >= maxPeersPerUser then
    return { -2, 'peers_per_user_torrent' }
  end
  if maxPeersPerIp > 0 and tonumber(owned[2] or '0') >= maxPeersPerIp then
    return { -2, 'peers_per_ip_torrent' }
  end
end
-- MemoryStore.announce: a peer that would join the leechers (new, or a seeder leeching again) while
-- the user's leeching peers fill its slots is refused, unwritten; one already leeching keeps its slot.
-- A known peer is a leecher exactly when its last announce's `left` was above 0.
if leechSlots > 0 and left > 0 and event ~= 'stopped' and not (prev and prev.left > 0)
    and tonumber(redis.call('HGET', leechingKey, uid) or '0') >= leechSlots then
  return { -2, 'leech_slots' }
end

local t = redis.call('HMGET', torrentKey, 'snatches', 'cur_s', 'cur_l', 'leecher_at')
local h = redis.call('HMGET', utKey, 'first_seen', 'up', 'seed_time', 'snatched', 'budget_at', 'clock_at', 'leech_time')
local nSeeders = redis.call('ZCARD', seedersKey)
local nLeechers = redis.call('ZCARD', leechersKey)

-- Field/value lists of the single HSET the torrent and user-torrent hashes get.
local tw = {}
local hw = { 'left', ARGV[6], 'last_seen', ARGV[9], 'stopped', event == 'stopped' and '1' or '0' }
local function put(w, field, value)
  w[#w + 1] = field
  w[#w + 1] = value
end
-- The credit rule: which freeleech / multiplier rule the tracker applied (written with the ledger's HSET).
if ARGV[28] ~= '' then put(hw, 'rule', ARGV[28]) end

local histUp = tonumber(h[2] or '0')
local histSeed = tonumber(h[3] or '0')
local histSnatched = h[4] == '1'
-- 0 in a new ledger (or one written before these fields): the peer's own last announce bounds both.
local budgetAt = tonumber(h[5] or '0')
local clockAt = tonumber(h[6] or '0')
local histLeech = tonumber(h[7] or '0')
local lastLeecherAt = tonumber(t[4] or '0')

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
local upRaw, downRaw, up, down, seedTime, leechTime = 0, 0, 0, 0, 0, 0
local cheatKind, cheatRate, cheatReported, cheatAllowed
local newBudgetAt, newClockAt = budgetAt, clockAt
if prev then
  local elapsed = math.max(now - math.max(prev.lastSeen, clockAt), 0)
  upRaw = counterDelta(prev.uploaded, uploaded)
  downRaw = counterDelta(prev.downloaded, downloaded)
  if not histSnatched and prev.left > 0 and left == 0 and downRaw > 0 then snatch = true end
  local allowed = upRaw
  if upRaw > 0 then
    local windowMs = math.max(nowMs - math.max(budgetAt, prev.lastSeen * 1000), 0)
    local rate = math.floor((upRaw * 1000) / math.max(windowMs, 1))
    if maxUploadRate > 0 then
      local ceiling = math.floor((maxUploadRate * windowMs) / 1000)
      if upRaw > ceiling then
        allowed = ceiling
        cheatKind, cheatRate, cheatReported, cheatAllowed = 'upload_rate', rate, upRaw, allowed
      end
    end
    if prev.left == 0 and nLeechers == 0 and lastLeecherAt < prev.lastSeen then
      if not creditWithoutLeechers then allowed = 0 end
      cheatKind, cheatRate, cheatReported, cheatAllowed = 'no_leechers', rate, upRaw, allowed
    end
    newBudgetAt = nowMs
  end
  up = math.floor(allowed * multiUp)
  down = math.floor(downRaw * multiDown)
  if prev.left == 0 then seedTime = elapsed else leechTime = elapsed end
  bonus = bonusPoints(histUp + up, histSeed + seedTime, nSeeders, elapsed)
  newClockAt = math.max(clockAt, now)
end

-- settle.ts: oversizedFigure. Checked before the first write: an announce the ledger cannot take
-- changes nothing (HINCRBY refuses a figure that is not integer text, after earlier writes stuck).
if up > MAX_FIGURE then return { -3, 'uploaded' } end
if down > MAX_FIGURE then return { -3, 'downloaded' } end

redis.call('HINCRBY', userKey, 'announces', 1)
redis.call('HINCRBY', torrentKey, 'announces', 1)

-- A new ledger: index it by user and by torrent id (putTorrent writes the latter too).
if not h[1] then
  put(hw, 'first_seen', ARGV[9])
  put(hw, 'torrent_id', ARGV[18])
  if not cluster then
    redis.call('SADD', userTorrentsKey, infoHash)
    redis.call('HSET', torrentIdsKey, ARGV[18], infoHash)
  end
end
-- The budget and clock move to this announce's own time, already text in ARGV (no formatting).
if newBudgetAt ~= budgetAt then put(hw, 'budget_at', ARGV[22]) end
if newClockAt ~= clockAt then put(hw, 'clock_at', newClockAt == now and ARGV[9] or fmt(newClockAt)) end
if leechTime ~= 0 then put(hw, 'leech_time', fmt(histLeech + leechTime)) end

-- settle.ts: isTooEarly
local tooEarly = false
if prev and minInterval > 0 and (event == '' or event == 'paused') then
  tooEarly = now - prev.lastSeen < minInterval
end

local function credit(field, delta)
  if delta == 0 then return end
  local d = fmt(delta)
  -- On a cluster the user's key is the ledger: counted once, there.
  if userKey ~= utKey then redis.call('HINCRBY', userKey, field, d) end
  redis.call('HINCRBY', torrentKey, field, d)
  redis.call('HINCRBY', utKey, field, d)
end
credit('up_raw', upRaw)
credit('down_raw', downRaw)
credit('up', up)
credit('down', down)
if bonus ~= 0 then
  -- Added as a double here rather than with HINCRBYFLOAT (long double in Redis) so that the total
  -- is the same bits as the memory store's `bonus += points`.
  local total = tonumber(redis.call('HGET', userKey, 'bonus') or '0') + bonus
  redis.call('HSET', userKey, 'bonus', fmt(total))
end
if seedTime ~= 0 then
  put(hw, 'seed_time', fmt(histSeed + seedTime))
end
local snatches = tonumber(t[1] or '0')
if snatch then
  snatches = snatches + 1
  put(hw, 'snatched', '1')
  -- The snatch list's time and address (sql.flush.snatches).
  put(hw, 'completed_at', ARGV[9])
  put(hw, 'completed_ip', endpoint)
  redis.call('HINCRBY', userKey, 'snatches', 1)
  redis.call('HINCRBY', torrentKey, 'snatches', 1)
end
if cheatKind then
  redis.call('HINCRBY', userKey, 'cheats', 1)
  redis.call('HINCRBY', totalsKey, 'cheats:' .. cheatKind, 1)
  -- One format call for the 20 bytes (a gsub with a function per byte cost more than the rest of the event).
  local hex = string.format(string.rep('%02x', #peerId), string.byte(peerId, 1, #peerId))
  cheatLine = table.concat({ ARGV[9], ARGV[17], ARGV[18], hex, fmt(cheatRate), fmt(cheatReported), fmt(cheatAllowed), cheatKind }, ' ')
  if not cluster then
    -- Trimmed only once longer than kept (LPUSH / RPUSH answer the length).
    local most = tonumber(ARGV[19])
    if redis.call('LPUSH', cheatsKey, cheatLine) > most then redis.call('LTRIM', cheatsKey, 0, most - 1) end
    if ARGV[26] == '1' and redis.call('RPUSH', KEYS[17], cheatLine) > most then
      redis.call('LTRIM', KEYS[17], -most, -1)
    end
  end
end
redis.call('HSET', utKey, unpack(hw))
-- SQL flush site rows: the peer and its ledger wait for the next batch (flush-prepare-var.lua).
if ARGV[29] and ARGV[29] ~= '' then
  redis.call('HINCRBY', utKey, 'announces', 1)
  redis.call('HSET', ARGV[29], infoHash .. key, ARGV[30])
end
if flush and (upRaw ~= 0 or downRaw ~= 0 or bonus ~= 0 or snatch) then redis.call('SADD', dirtyUsersKey, ARGV[17]) end
local torrentMoved = snatch
-- A leecher was here when this announce came (itself, if it leaves or completes now, or stays one).
local sawLeecher = nLeechers > 0

-- Moves the swarm's counts and the global totals by the same deltas, taken from ZREM / ZADD NX
-- replies: only a peer that really joins, changes side or leaves writes the totals.
local function count(dSeeders, dLeechers)
  nSeeders, nLeechers = nSeeders + dSeeders, nLeechers + dLeechers
  if dSeeders ~= 0 then redis.call('HINCRBY', totalsKey, 'seeders', dSeeders) end
  if dLeechers ~= 0 then redis.call('HINCRBY', totalsKey, 'leechers', dLeechers) end
  if dSeeders ~= 0 or dLeechers ~= 0 then torrentMoved = true end
end
-- MemoryStore.leechingMoved: the user's leeching peers over every swarm (standalone only).
local function leeching(d)
  if d == 0 or cluster then return end
  if redis.call('HINCRBY', leechingKey, uid, d) <= 0 then redis.call('HDEL', leechingKey, uid) end
end
local function markTorrent()
  if flush and torrentMoved then redis.call('SADD', dirtyTorrentsKey, infoHash) end
end

-- rotation.ts: add. The peer takes the slot after the last one, its record that slot's bytes.
local function join(zkey, recordsKey, size, rec)
  if redis.call('ZADD', zkey, 'NX', size, key) == 0 then return 0 end
  redis.call('SETRANGE', recordsKey, size * RECORD_LEN, rec)
  return 1
end
-- rotation.ts: delete. The peer in the last slot moves into the hole, its record and its score;
-- a rotation left empty drops its string (a swarm that empties leaves no key behind).
local function leave(zkey, recordsKey, size)
  local at = redis.call('ZSCORE', zkey, key)
  if not at then return 0 end
  at = tonumber(at)
  local last = size - 1
  -- No member in the last slot only in a layout this script did not write (an older version's
  -- sequence scores): the peer still leaves, rather than failing every announce it makes.
  local moved = at ~= last and redis.call('ZRANGEBYSCORE', zkey, last, last)[1]
  if moved then
    local from = last * RECORD_LEN
    redis.call('SETRANGE', recordsKey, at * RECORD_LEN, redis.call('GETRANGE', recordsKey, from, from + RECORD_LEN - 1))
    redis.call('ZADD', zkey, 'XX', at, moved)
  end
  redis.call('ZREM', zkey, key)
  if last == 0 then redis.call('DEL', recordsKey) end
  return 1
end

if event == 'stopped' then
  redis.call('HDEL', peersKey, key)
  if redis.call('HINCRBY', ownersKey, uid, -1) <= 0 then redis.call('HDEL', ownersKey, uid) end
  countIp(ipOf(record), -1)
  -- A known peer is in the rotation its last `left` put it in.
  if prev.left == 0 then
    count(-leave(seedersKey, seederRecordsKey, nSeeders), 0)
  else
    local leftLeechers = leave(leechersKey, leecherRecordsKey, nLeechers)
    count(0, -leftLeechers)
    leeching(-leftLeechers)
  end
  redis.call('ZREM', expiryKey, key)
  if redis.call('ZCARD', expiryKey) == 0 then redis.call('ZREM', reapKey, infoHash) end
  markTorrent()
  if sawLeecher then redis.call('HSET', torrentKey, 'leecher_at', ARGV[9]) end
  return withSync({ nSeeders, nLeechers, snatches, 0, 0, '' })
end

-- peer-record.ts: writeEndpoint (peer_id, then the endpoint over its half; the other half is kept)
local before = record
local tail = struct.pack('<dddd', uploaded, downloaded, left, now)
if #endpoint == 6 then
  record = peerId .. endpoint .. (record and string.sub(record, 27) or string.rep('\0', RECORD_LEN - 26))
else
  record = peerId .. (record and string.sub(record, 21, 26) or '\0\0\0\0\0\0') .. endpoint
end
if redis.call('HSET', peersKey, key, record .. tail) == 1 then
  redis.call('HINCRBY', ownersKey, uid, 1)
  redis.call('HINCRBY', ownersKey, ipOf(record), 1)
elseif string.sub(before, 21) ~= string.sub(record, 21) then
  -- A peer that moved (or gained an IPv4 endpoint) counts under its new address from now on.
  local wasIp, nowIp = ipOf(before), ipOf(record)
  if wasIp ~= nowIp then
    countIp(wasIp, -1)
    redis.call('HINCRBY', ownersKey, nowIp, 1)
  end
end

-- A peer joins the back of its rotation; one that changes side leaves the other one first
-- (MemoryStore.announce, same order). A known peer on the side its last `left` put it on is in that
-- rotation already, and only a new endpoint moves its record there.
local seeder = left == 0
-- The announcing peer's slot in the leechers, when it is a leecher and it is known (the selection
-- cuts it out); nil: not looked up yet.
local mySlot
if not prev or (prev.left == 0) ~= seeder then
  local moved, joined
  if seeder then
    moved = prev and leave(leechersKey, leecherRecordsKey, nLeechers) or 0
    joined = join(seedersKey, seederRecordsKey, nSeeders, record)
  else
    moved = prev and leave(seedersKey, seederRecordsKey, nSeeders) or 0
    joined = join(leechersKey, leecherRecordsKey, nLeechers, record)
    if joined == 1 then mySlot = nLeechers end
  end
  if seeder then
    count(joined, -moved)
    leeching(-moved)
  else
    count(-moved, joined)
    leeching(joined)
  end
end
if prev and (prev.left == 0) == seeder and record ~= before then
  -- rotation.ts: update. The next selection hands out the new endpoint.
  local zkey, recordsKey = leechersKey, leecherRecordsKey
  if seeder then zkey, recordsKey = seedersKey, seederRecordsKey end
  local at = redis.call('ZSCORE', zkey, key)
  if at then
    if not seeder then mySlot = tonumber(at) end
    redis.call('SETRANGE', recordsKey, tonumber(at) * RECORD_LEN, record)
  end
end
if sawLeecher or not seeder then put(tw, 'leecher_at', ARGV[9]) end
markTorrent()
redis.call('ZADD', expiryKey, ARGV[9], key)
-- LT keeps the swarm's reap time no later than its oldest lastSeen; a known peer's last announce
-- already bounds it.
if not prev then redis.call('ZADD', reapKey, 'LT', ARGV[9], infoHash) end

-- rotation.ts: take. The records of up to n members from the cursor slot on (wrapping around),
-- never the asker's (skipAt, -1: not in this rotation), each run of neighbouring slots one
-- GETRANGE; the cursor moves past what was looked at, so with no churn each member is shown once
-- every ceil(size / n) takes. Returns how many were taken.
local parts = {}
local function take(recordsKey, size, cursor, cursorField, n, skipAt)
  local want = math.min(n, size - (skipAt >= 0 and 1 or 0))
  if want <= 0 then return 0 end
  local at = tonumber(cursor or '0') % size
  local taken = 0
  while taken < want do
    local stop = math.min(size, at + (want - taken))
    local skipped = skipAt >= at and skipAt < stop
    if skipped then stop = skipAt end
    if stop > at then parts[#parts + 1] = redis.call('GETRANGE', recordsKey, at * RECORD_LEN, stop * RECORD_LEN - 1) end
    taken = taken + (stop - at)
    at = skipped and stop + 1 or stop
    if at == size then at = 0 end
  end
  put(tw, cursorField, at)
  return want
end

if not tooEarly and numwant > 0 then
  local fromSeeders = 0
  -- A seeder or a partial seed (BEP 21 paused) has no use for seeders.
  if not seeder and event ~= 'paused' then fromSeeders = take(seederRecordsKey, nSeeders, t[2], 'cur_s', numwant, -1) end
  local skipAt = -1
  if not seeder then
    -- A leecher asking is in the leechers: alone there, it holds slot 0.
    if not mySlot and nLeechers == 1 then mySlot = 0 end
    if not mySlot and numwant > fromSeeders then mySlot = tonumber(redis.call('ZSCORE', leechersKey, key)) end
    skipAt = mySlot or -1
  end
  take(leecherRecordsKey, nLeechers, t[3], 'cur_l', numwant - fromSeeders, skipAt)
end
if #tw > 0 then redis.call('HSET', torrentKey, unpack(tw)) end

return withSync({ nSeeders, nLeechers, snatches, tooEarly and 1 or 0, 0, table.concat(parts) })
