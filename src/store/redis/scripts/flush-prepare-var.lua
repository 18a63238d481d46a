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
    KEYS[6 + i]              HASH  user i's hash (counters up_raw, down_raw, up, down, bonus, snatches
                                   and their sent_* copies; sent_bonus in millionths), i = 1..U
    KEYS[6 + U + 3j - 2 ..]  torrent j's hash (torrent_id, snatches, sent_snatches, sent_seeders,
                                   sent_leechers), seeders ZSET, leechers ZSET, j = 1..T

    ARGV[1]  a random epoch, used when KEYS[1] has none yet (Lua has no good random source)
    ARGV[2]  U     ARGV[3]  T     ARGV[4]  most cheat events to take (the oldest first)
    ARGV[4 + i]      user i's id
    ARGV[4 + U + j]  torrent j's info_hash
    ARGV[5 + U + T ..] torrent ids of gone-torrents entries to take

  Output: nil when no row changed (no id is used); else { id, rows } where id is "<epoch>:<seq>"
  and rows is newline-separated:
    "u <uid> <up_raw> <down_raw> <up> <down> <bonus millionths> <snatches>"   (deltas)
    "t <torrent id> <seeders> <leechers> <snatches>"   (peer counts now, snatches as a delta)
    "c <at> <uid> <torrent id> <peer_id hex> <rate> <reported> <allowed> <kind>"   (a cheat event,
                                   taken off KEYS[6]: it is in this batch and nowhere else)
  A torrent id appears once: a gone entry and a live torrent of the same id are merged (snatches
  added, the live peer counts kept).
]]

local U, T = tonumber(ARGV[2]), tonumber(ARGV[3])
local function n(v)
  return tonumber(v or '0')
end
local function fmt(x)
  return string.format('%.17g', x)
end

local lines = {}

-- Each redis.call costs: one SREM per set for all candidates (below Lua's unpack limit: the caller
-- takes at most a few hundred), and a gone-torrents lookup only while that hash has entries.
if U > 0 then redis.call('SREM', KEYS[3], unpack(ARGV, 5, 4 + U)) end
if T > 0 then redis.call('SREM', KEYS[4], unpack(ARGV, 5 + U, 4 + U + T)) end

local USER_FIELDS = { 'up_raw', 'down_raw', 'up', 'down', 'bonus', 'snatches', 'sent_up_raw', 'sent_down_raw', 'sent_up', 'sent_down', 'sent_bonus', 'sent_snatches' }
for i = 1, U do
  local uid, key = ARGV[4 + i], KEYS[6 + i]
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

for i = 5 + U + T, #ARGV do
  local tid = ARGV[i]
  local unsent = redis.call('HGET', KEYS[5], tid)
  if unsent then
    redis.call('HDEL', KEYS[5], tid)
    torrentRow(tid, 0, 0, tonumber(unsent))
  end
end

local anyGone = redis.call('EXISTS', KEYS[5]) == 1
for j = 1, T do
  local base = 6 + U + 3 * (j - 1)
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
