--[[
  Drops the peers of one swarm that have been silent since before a cutoff, and moves the swarm's
  reap time to its oldest remaining peer (or takes the swarm off the reap set when none is left).
  Touches only expired peers: they are found through the expiry zset. The global totals go down by
  the peers really removed from each rotation; with the SQL flush on, a swarm that lost seeders or
  leechers joins the dirty torrents.

  Rotations keep their slots dense (announce-19.lua, rotation.ts): the holes the dropped peers leave
  below the rotation's new size are filled by the surviving peers of its last slots, records and
  scores, so a batch costs one read of the tail and one SETRANGE per hole instead of a whole
  leave per peer. A records string four times longer than its rotation needs is rewritten at its
  valid length (announces never shrink it), and an emptied rotation's string goes.

  Input:
    KEYS[1] peers     HASH  peerKey -> record and state
    KEYS[2] seeders   ZSET  peerKey -> slot in KEYS[10]
    KEYS[3] leechers  ZSET  peerKey -> slot in KEYS[11]
    KEYS[4] expiry    ZSET  peerKey -> lastSeen
    KEYS[5] reap      ZSET  info_hash -> no later than the swarm's oldest lastSeen
    KEYS[6] totals    HASH  seeders, leechers over every swarm
    KEYS[7] dirty torrents SET info_hashes changed since their last SQL flush
    KEYS[8] owners    HASH  user id -> that user's live peers in the swarm, "i" .. address -> live peers
                            under that address (each dropped peer frees its places)
    KEYS[9] leeching  HASH  user id -> that user's leeching peers over every swarm (each dropped
                            leecher frees a leech slot; written only when ARGV[4] is "1")
    KEYS[10] seeder records  STRING the seeders' 44-byte records in slot order
    KEYS[11] leecher records STRING the leechers' records

    ARGV[1] info_hash (40 hex), the member of the reap set
    ARGV[2] cutoff, unix seconds: peers whose lastSeen is below it are dropped
    ARGV[3] "1" when the SQL flush is on
    ARGV[4] "1" when leeching peers are counted (standalone; a cluster passes "0" and any KEYS[9] of the slot)
    ARGV[5] the SQL flush's dirty-peers HASH when its site rows are on, else "" (announce-19.lua,
            ARGV[28]): each dropped peer's field "<info_hash><peerKey>" is set, so its row leaves the site

  Output: how many peers were dropped.
]]

local peersKey, seedersKey, leechersKey, expiryKey, reapKey, totalsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local BATCH = 1000 -- keeps unpack() below Lua's stack limit
local V4_NONE = string.rep('\0', 6)
local RECORD_LEN = 44
-- Below this many slots a records string is never rewritten shorter (it costs more than it frees).
local MIN_SHRINK_SLOTS = 64

-- Removes `gone` (members of zkey, at the slots `at`) from the rotation; returns how many.
local function drop(zkey, recordsKey, gone, at)
  local m = #gone
  if m == 0 then return 0 end
  local size = redis.call('ZCARD', zkey)
  local keep = size - m
  local leaving, holes = {}, {}
  for i = 1, m do
    leaving[at[i]] = true
    if at[i] < keep then holes[#holes + 1] = at[i] end
  end
  redis.call('ZREM', zkey, unpack(gone))
  if #holes > 0 then
    -- The last m slots hold exactly #holes survivors: each moves into a hole.
    local tail = redis.call('ZRANGEBYSCORE', zkey, keep, '+inf', 'WITHSCORES')
    local records = redis.call('GETRANGE', recordsKey, keep * RECORD_LEN, size * RECORD_LEN - 1)
    local moves = {}
    for i = 1, #tail, 2 do
      local from = tonumber(tail[i + 1]) - keep
      local hole = holes[#moves / 2 + 1]
      -- Never more survivors than holes, but in a layout this script did not write.
      if hole then
        redis.call('SETRANGE', recordsKey, hole * RECORD_LEN, string.sub(records, from * RECORD_LEN + 1, (from + 1) * RECORD_LEN))
        moves[#moves + 1] = hole
        moves[#moves + 1] = tail[i]
      end
    end
    if #moves > 0 then redis.call('ZADD', zkey, 'XX', unpack(moves)) end
  end
  if keep == 0 then
    redis.call('DEL', recordsKey)
  elseif keep >= MIN_SHRINK_SLOTS and redis.call('STRLEN', recordsKey) > 4 * keep * RECORD_LEN then
    redis.call('SET', recordsKey, redis.call('GETRANGE', recordsKey, 0, keep * RECORD_LEN - 1))
  end
  return m
end

local dropped, seeders, leechers = 0, 0, 0
while true do
  local expired = redis.call('ZRANGEBYSCORE', expiryKey, '-inf', '(' .. ARGV[2], 'LIMIT', 0, BATCH)
  if #expired == 0 then break end
  -- Each peer's rotation and slot.
  local goneSeeders, seederSlots, goneLeechers, leecherSlots = {}, {}, {}, {}
  for _, k in ipairs(expired) do
    local at = redis.call('ZSCORE', seedersKey, k)
    if at then
      goneSeeders[#goneSeeders + 1] = k
      seederSlots[#seederSlots + 1] = tonumber(at)
    else
      at = redis.call('ZSCORE', leechersKey, k)
      if at then
        goneLeechers[#goneLeechers + 1] = k
        leecherSlots[#leecherSlots + 1] = tonumber(at)
        if ARGV[4] == '1' then
          local uid = string.sub(k, 1, #k - 21)
          if redis.call('HINCRBY', KEYS[9], uid, -1) <= 0 then redis.call('HDEL', KEYS[9], uid) end
        end
      end
    end
  end
  -- announce-19.lua: ipOf. The address each dropped peer counted under, from its record.
  local records = redis.call('HMGET', peersKey, unpack(expired))
  for _, rec in ipairs(records) do
    if rec then
      local field = string.sub(rec, 21, 26) ~= V4_NONE and 'i' .. string.sub(rec, 21, 24) or 'i' .. string.sub(rec, 27, 42)
      if redis.call('HINCRBY', KEYS[8], field, -1) <= 0 then redis.call('HDEL', KEYS[8], field) end
    end
  end
  redis.call('HDEL', peersKey, unpack(expired))
  seeders = seeders + drop(seedersKey, KEYS[10], goneSeeders, seederSlots)
  leechers = leechers + drop(leechersKey, KEYS[11], goneLeechers, leecherSlots)
  redis.call('ZREM', expiryKey, unpack(expired))
  if ARGV[5] and ARGV[5] ~= '' then
    for _, k in ipairs(expired) do redis.call('HSET', ARGV[5], ARGV[1] .. k, '') end
  end
  for _, k in ipairs(expired) do
    -- peerKey: "<uid>:" .. 20 peer_id bytes
    local uid = string.sub(k, 1, #k - 21)
    if redis.call('HINCRBY', KEYS[8], uid, -1) <= 0 then redis.call('HDEL', KEYS[8], uid) end
  end
  dropped = dropped + #expired
end

if seeders > 0 then redis.call('HINCRBY', totalsKey, 'seeders', -seeders) end
if leechers > 0 then redis.call('HINCRBY', totalsKey, 'leechers', -leechers) end
if ARGV[3] == '1' and (seeders > 0 or leechers > 0) then redis.call('SADD', KEYS[7], ARGV[1]) end

local oldest = redis.call('ZRANGE', expiryKey, 0, 0, 'WITHSCORES')
if oldest[2] then
  redis.call('ZADD', reapKey, oldest[2], ARGV[1])
else
  redis.call('ZREM', reapKey, ARGV[1])
end
return dropped
