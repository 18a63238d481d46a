--[[
  Redis Cluster: registers several torrents in the `{torrents}` slot's index, in order, refusing a
  torrent whose torrent id a registered torrent with another info_hash holds (before, or earlier in
  the batch) — the check-and-set put-torrents-var.lua does on a single server. The records are
  written afterwards, in their swarms' slots, for the torrents claimed here only.

  Input:
    KEYS[1] torrents     SET   registered info_hashes
    KEYS[2] torrent-ids  HASH  torrent id -> info_hash

    ARGV: two per torrent i, from ARGV[2i - 1]: info_hash (40 hex), torrent id

  Output: the torrents refused, two entries each: the torrent's position i, then the info_hash
  holding its id; empty when every torrent was claimed.
]]

local out = {}
for i = 1, #ARGV / 2 do
  local ih, id = ARGV[2 * i - 1], ARGV[2 * i]
  local holder = redis.call('HGET', KEYS[2], id)
  if holder and holder ~= ih and redis.call('SISMEMBER', KEYS[1], holder) == 1 then
    out[#out + 1] = i
    out[#out + 1] = holder
  else
    redis.call('SADD', KEYS[1], ih)
    redis.call('HSET', KEYS[2], id, ih)
  end
end
return out
