--[[
  Adds or replaces the registry records of several torrents, in order, and tells every instance
  with one notice naming them all. Counters and rotation state in the same hashes are left alone.
  A torrent whose torrent id a registered torrent with another info_hash holds (before, or earlier
  in the batch) is refused and nothing of it is written: one id names one torrent, or the ledgers
  and SQL rows of two torrents would merge. (The id of a torrent deleted since may be taken.)

  Input (n torrents, at most a few thousand: Lua's unpack limit; the key count 2 + n is the
  script's first argument):
    KEYS[1]     torrents     SET   registered info_hashes
    KEYS[2]     torrent-ids  HASH  torrent id -> info_hash
    KEYS[2 + i] torrent i    HASH  registry fields (+ counters, rotation state, untouched)

    ARGV[1] events channel
    ARGV[2] head of the notice ("T <origin>"): published as head, then " <info_hash>" per torrent
    ARGV[3] the torrents: a JSON array of strings, eight per torrent i from index 8 * (i - 1) + 1:
      info_hash (40 hex), torrent id, name, multi_up, multi_dn, enabled ("1" | "0"), reason,
      size (bytes, 0 = unknown)
    (One argument, not eight per torrent: encoding thousands of arguments cost the client more
    than cjson costs here.)

  Output: the torrents refused, two entries each, in order: the torrent's position i, then the
  info_hash holding its id; empty when every torrent was written.

  The torrent-ids hash is read with one HMGET for the batch and written with one HSET at the end,
  and the torrents set with one SADD: `holders` and `added` are the hash and the set as the batch
  has left them so far, so each torrent sees the torrents before it as if each had been written
  on its own.
]]

local torrents = cjson.decode(ARGV[3])
local n = #KEYS - 2
local ids = {}
for i = 1, n do
  ids[i] = torrents[8 * (i - 1) + 2]
end
local holders = {}
if n > 0 then
  local held = redis.call('HMGET', KEYS[2], unpack(ids))
  for i = 1, n do
    holders[ids[i]] = held[i]
  end
end

-- claimed: torrent id, info_hash, … in the order written (a later claim of an id wins, as in HSET).
local out, notice, added, claimed = {}, { ARGV[2] }, {}, {}
for i = 1, n do
  local a = 8 * (i - 1)
  local ih, id = torrents[a + 1], torrents[a + 2]
  local holder = holders[id]
  if holder and holder ~= ih and (added[holder] or redis.call('SISMEMBER', KEYS[1], holder) == 1) then
    out[#out + 1] = i
    out[#out + 1] = holder
  else
    redis.call('HSET', KEYS[2 + i], 'torrent_id', id, 'name', torrents[a + 3], 'multi_up', torrents[a + 4], 'multi_dn', torrents[a + 5], 'enabled', torrents[a + 6], 'reason', torrents[a + 7], 'size', torrents[a + 8])
    added[ih] = true
    holders[id] = ih
    claimed[#claimed + 1] = id
    claimed[#claimed + 1] = ih
    notice[#notice + 1] = ih
  end
end
if #notice > 1 then
  redis.call('HSET', KEYS[2], unpack(claimed))
  redis.call('SADD', KEYS[1], unpack(notice, 2))
  redis.call('PUBLISH', ARGV[1], table.concat(notice, ' '))
end
return out
