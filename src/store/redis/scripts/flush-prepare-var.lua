--[[
  Prepares one SQL flush batch, atomically: for each user and torrent named, what it gained since
  its last flush; records that as flushed (the sent_* fields of its hash) and keeps the batch in
  the pending hash under a new id. A change is therefore either still unflushed (counter ahead of
  sent_*) or in a pending batch, never both and never neither, whatever crashes when.

  Mirrors MemoryFlush.prepare (src/store/memory/memory-flush.ts); the contract suite holds both to it.
  The caller picks the candidates (SRANDMEMBER / HSCAN) and names their keys; a candidate that is no
  longer dirty, or whose figures equal what was flushed, gives no row. The key count varies: it is
  the first argument (scripts.ts registers `-var` scripts that way).

  Input:
    KEYS[1]  flush ids       HASH  epoch (set once from ARGV[1]), seq (last batch sequence)
    KEYS[2]  pending         HASH  flush id -> batch (rows as text, below)
    KEYS[3]  dirty users     SET   user ids
    KEYS[4]  dirty torrents  SET   info_hashes
    KEYS[5]  gone torrents   HASH  torrent id -> snatches a deleted torrent had not flushed
    KEYS[6]  flush cheats    LIST  cheat events not yet in a batch, oldest first (announce appends)
    KEYS[7]  dirty peers     HASH  "<info_hash><peerKey>" -> User-Agent (announce, reap, delete-torrent)
    KEYS[7 + i]              HASH  user i's hash (counters up_raw, down_raw, up, down, bonus, snatches
                                   and their sent_* copies; sent_bonus in millionths), i = 1..U
    KEYS[7 + U + 3j - 2 ..]  torrent j's hash (torrent_id, snatches, sent_snatches, sent_seeders,
                                   sent_leechers), seeders ZSET, leechers ZSET, j = 1..T
    KEYS[7 + U + 3T + 3k - 2 ..]  peer k's swarm peers HASH, its user's ledger HASH (announce-19.lua
                                   KEYS[6]; announces, completed_at, completed_ip, sent_snatched), and
                                   the swarm's owners HASH, k = 1..P

    ARGV[1]  a random epoch, used when KEYS[1] has none yet (Lua has no good random source)
    ARGV[2]  U     ARGV[3]  T     ARGV[4]  most cheat events to take (the oldest first)     ARGV[5]  P
    ARGV[5 + i]      user i's id
    ARGV[5 + U + j]  torrent j's info_hash
    ARGV[5 + U + T + k]  peer k's field in KEYS[7]
    ARGV[6 + U + T + P ..] torrent ids of gone-torrents entries to take

  Output: nil when no row changed (no id is used); else { id, rows } where id is "<epoch>:<seq>"
  and rows is newline-separated:
    "u <uid> <up_raw> <down_raw> <up> <down> <bonus millionths> <snatches>"   (deltas)
    "t <torrent id> <seeders> <leechers> <snatches>"   (peer counts now, snatches as a delta)
    "c <at> <uid> <torrent id> <peer_id hex> <rate> <reported> <allowed> <kind>"   (a cheat event,
                                   taken off KEYS[6]: it is in this batch and nowhere else)
    "p <uid> <torrent id> <record hex> <uploaded> <downloaded> <left> <last seen> <User-Agent>"
                                   (a live peer; the User-Agent, last, may hold spaces)
    "x <uid> <torrent id> <peer_id hex>"   (a peer gone: stopped, reaped or its torrent deleted)
    "h <uid> <torrent id> <up> <down> <up_raw> <down_raw> <seed_time> <leech_time> <announces>
       <first_seen> <last_seen> <completed_at> <active 0|1> <left> <snatched 0|1>"   (a ledger as it is now)
    "s <uid> <torrent id> <completed_at> <endpoint hex>"   (a snatch no batch carried yet; the
                                   ledger's sent_snatched says so from now on)
  Mirrors MemoryFlush.siteRows for the p, x, h and s rows.
  A torrent id appears once: a gone entry and a live torrent of the same id are merged (snatches
  added, the live peer counts kept).
]]

local U, T, P = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[5])
local function n(v)
  return tonumber(v or '0')
end
local function fmt(x)
  return string.format('%.17g', x)
end

local lines = {}

-- Each redis.call costs: one SREM per set for all candidates (below Lua's unpack limit: the caller
-- takes at most a few hundred), and a gone-torrents lookup only while that hash has entries.
if U > 0 then redis.call('SREM', KEYS[3], unpack(ARGV, 6, 5 + U)) end
if T > 0 then redis.call('SREM', KEYS[4], unpack(ARGV, 6 + U, 5 + U + T)) end

local USER_FIELDS = { 'up_raw', 'down_raw', 'up', 'down', 'bonus', 'snatches', 'sent_up_raw', 'sent_down_raw', 'sent_up', 'sent_down', 'sent_bonus', 'sent_snatches' }
for i = 1, U do
  local uid, key = ARGV[5 + i], KEYS[7 + i]
  local v = redis.call('HMGET', key, unpack(USER_FIELDS))
  -- memory-flush.ts: bonusMillionths
  local cur = { n(v[1]), n(v[2]), n(v[3]), n(v[4]), math.floor(n(v[5]) * 1000000 + 0.5), n(v[6]) }
  local changed = false
  local row = { 'u', uid }
  for f = 1, 6 do
    local d = cur[f] - n(v[6 + f])
    if d ~= 0 then changed = true end
    row[#row + 1] = fmt(d)
  end
  if changed then
    redis.call('HSET', key, 'sent_up_raw', fmt(cur[1]), 'sent_down_raw', fmt(cur[2]), 'sent_up', fmt(cur[3]), 'sent_down', fmt(cur[4]), 'sent_bonus', fmt(cur[5]), 'sent_snatches', fmt(cur[6]))
    lines[#lines + 1] = table.concat(row, ' ')
  end
end

-- Torrent rows by id, in the order first seen.
local rows, order = {}, {}
local function torrentRow(tid, seeders, leechers, snatches)
  local r = rows[tid]
  if r then
    r[1], r[2], r[3] = seeders, leechers, r[3] + snatches
  else
    rows[tid] = { seeders, leechers, snatches }
    order[#order + 1] = tid
  end
end

for i = 6 + U + T + P, #ARGV do
  local tid = ARGV[i]
  local unsent = redis.call('HGET', KEYS[5], tid)
  if unsent then
    redis.call('HDEL', KEYS[5], tid)
    torrentRow(tid, 0, 0, tonumber(unsent))
  end
end

local anyGone = redis.call('EXISTS', KEYS[5]) == 1
for j = 1, T do
  local base = 7 + U + 3 * (j - 1)
  local torrentKey = KEYS[base + 1]
  local v = redis.call('HMGET', torrentKey, 'torrent_id', 'snatches', 'sent_snatches', 'sent_seeders', 'sent_leechers')
  -- No torrent_id: deleted since it was marked (delete-torrent left its row in gone torrents).
  if v[1] then
    local tid = v[1]
    local seeders, leechers = redis.call('ZCARD', KEYS[base + 2]), redis.call('ZCARD', KEYS[base + 3])
    local snatches = n(v[2])
    local d = snatches - n(v[3])
    -- A deleted torrent of the same id not flushed yet: one row for both.
    local unsent = anyGone and redis.call('HGET', KEYS[5], tid)
    if unsent then
      redis.call('HDEL', KEYS[5], tid)
      torrentRow(tid, 0, 0, tonumber(unsent))
    end
    if d ~= 0 or seeders ~= n(v[4]) or leechers ~= n(v[5]) or rows[tid] then
      redis.call('HSET', torrentKey, 'sent_snatches', fmt(snatches), 'sent_seeders', seeders, 'sent_leechers', leechers)
      torrentRow(tid, seeders, leechers, d)
    end
  end
end

for _, tid in ipairs(order) do
  local r = rows[tid]
  lines[#lines + 1] = table.concat({ 't', tid, r[1], r[2], fmt(r[3]) }, ' ')
end

-- MemoryFlush.siteRows: each marked peer as it is now (or gone), the ledger of each (user, torrent)
-- among them, and a snatch no batch carried yet.
local HEX = string.rep('%02x', 44)
local function hex(s)
  return string.format(string.sub(HEX, 1, 4 * #s), string.byte(s, 1, #s))
end
local ledgers = {}
for k = 1, P do
  local field = ARGV[5 + U + T + k]
  local base = 7 + U + 3 * T + 3 * (k - 1)
  local ua = redis.call('HGET', KEYS[7], field)
  local tid = redis.call('HGET', KEYS[base + 2], 'torrent_id')
  if ua then
    redis.call('HDEL', KEYS[7], field)
    -- field: 40 hex of the info_hash, then peerKey "<uid>:" .. 20 peer_id bytes
    local peerKey = string.sub(field, 41)
    local uid = string.sub(peerKey, 1, #peerKey - 21)
    if tid then
      local stored = redis.call('HGET', KEYS[base + 1], peerKey)
      if stored then
        local pu, pd, pl, ps = struct.unpack('<dddd', stored, 45)
        lines[#lines + 1] = table.concat({ 'p', uid, tid, hex(string.sub(stored, 1, 44)), fmt(pu), fmt(pd), fmt(pl), fmt(ps), ua }, ' ')
      else
        lines[#lines + 1] = table.concat({ 'x', uid, tid, hex(string.sub(peerKey, -20)) }, ' ')
      end
      if not ledgers[KEYS[base + 2]] then
        ledgers[KEYS[base + 2]] = true
        local l = redis.call('HMGET', KEYS[base + 2], 'up', 'down', 'up_raw', 'down_raw', 'seed_time', 'leech_time', 'announces', 'first_seen', 'last_seen', 'completed_at', 'left', 'snatched', 'sent_snatched', 'completed_ip')
        local active = n(redis.call('HGET', KEYS[base + 3], uid)) > 0 and '1' or '0'
        lines[#lines + 1] = table.concat({ 'h', uid, tid, l[1] or '0', l[2] or '0', l[3] or '0', l[4] or '0', l[5] or '0', l[6] or '0', l[7] or '0', l[8] or '0', l[9] or '0', l[10] or '0', active, l[11] or '0', l[12] == '1' and '1' or '0' }, ' ')
        -- A snatch from before the site rows were on has no time: it is not listed.
        if l[12] == '1' and l[13] ~= '1' and l[10] then
          redis.call('HSET', KEYS[base + 2], 'sent_snatched', '1')
          lines[#lines + 1] = table.concat({ 's', uid, tid, l[10], hex(l[14] or '') }, ' ')
        end
      end
    end
  end
end

local maxCheats = tonumber(ARGV[4])
if maxCheats > 0 then
  for _, line in ipairs(redis.call('LRANGE', KEYS[6], 0, maxCheats - 1)) do lines[#lines + 1] = 'c ' .. line end
  redis.call('LTRIM', KEYS[6], maxCheats, -1)
end

if #lines == 0 then return nil end
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
local id = redis.call('HGET', KEYS[1], 'epoch') .. ':' .. redis.call('HINCRBY', KEYS[1], 'seq', 1)
local batch = table.concat(lines, '\n')
redis.call('HSET', KEYS[2], id, batch)
return { id, batch }
