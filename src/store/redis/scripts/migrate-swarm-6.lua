--[[
  Moves one swarm written before rotations had slots to the slot layout (announce-19.lua), atomically:
  each rotation's members keep their order (their old scores were join sequences) and get slots
  0 .. n-1 as scores, and the rotation's records string is rebuilt from the peers hash. The cursors
  (`cur_s`, `cur_l`: the score of the last member handed out) become the slot the next selection
  starts at, so the rotation goes on where it stopped; `seq` goes.

  Safe to run again, and on a swarm already in the slot layout: the rebuild reads the members in
  score order, which is slot order there, and writes the same bytes; the cursors are converted only
  while `seq` (written by the old layout alone) is in the torrent hash.

  Input:
    KEYS[1] peers     HASH  peerKey -> record (44 bytes) and state
    KEYS[2] seeders   ZSET  peerKey -> join sequence, or slot
    KEYS[3] leechers  ZSET  peerKey -> join sequence, or slot
    KEYS[4] torrent   HASH  seq, cur_s, cur_l
    KEYS[5] seeder records  STRING (rebuilt)
    KEYS[6] leecher records STRING (rebuilt)

  Output: the peers placed in slots (seeders + leechers).
]]

local peersKey, torrentKey = KEYS[1], KEYS[4]
local RECORD_LEN = 44
local BATCH = 1000 -- keeps unpack() below Lua's stack limit
local old = redis.call('HEXISTS', torrentKey, 'seq') == 1

local function rebuild(zkey, recordsKey, cursorField)
  if old then
    local cursor = redis.call('HGET', torrentKey, cursorField)
    -- The old take started after the cursor's score: at the slot of the first member above it.
    if cursor then redis.call('HSET', torrentKey, cursorField, redis.call('ZCOUNT', zkey, '-inf', cursor)) end
  end
  local members = redis.call('ZRANGE', zkey, 0, -1)
  redis.call('DEL', recordsKey)
  for from = 1, #members, BATCH do
    local batch = {}
    for i = from, math.min(from + BATCH - 1, #members) do batch[#batch + 1] = members[i] end
    local values = redis.call('HMGET', peersKey, unpack(batch))
    local records, slots = {}, {}
    for i, v in ipairs(values) do
      -- A member without a peers entry never happens; its slot still needs 44 bytes.
      records[i] = v and string.sub(v, 1, RECORD_LEN) or string.rep('\0', RECORD_LEN)
      slots[#slots + 1] = from + i - 2
      slots[#slots + 1] = batch[i]
    end
    redis.call('SETRANGE', recordsKey, (from - 1) * RECORD_LEN, table.concat(records))
    redis.call('ZADD', zkey, 'XX', unpack(slots))
  end
  return #members
end

local placed = rebuild(KEYS[2], KEYS[5], 'cur_s') + rebuild(KEYS[3], KEYS[6], 'cur_l')
if old then redis.call('HDEL', torrentKey, 'seq') end
return placed
