--[[
  Adds or replaces the registry records of several torrents, in order, and tells every instance
  with one notice naming them all. Counters and rotation state in the same hashes are left alone.
  A torrent whose torrent id a registered torrent with another info_hash holds (before, or earlier
  in the batch) is refused and nothing of it is written: one id names one torrent, or the ledgers
  and SQL rows of two torrents would merge. (The id of a torrent deleted since may be taken.)

  Input (n torrents; the key count 2 + n is the script's first argument):
    KEYS[1]     torrents     SET   registered info_hashes
    KEYS[2]     torrent-ids  HASH  torrent id -> info_hash
    KEYS[2 + i] torrent i    HASH  registry fields (+ counters, rotation state, untouched)

    ARGV[1] events channel
    ARGV[2] head of the notice ("T <origin>"): published as head, then " <info_hash>" per torrent
    then eight per torrent i, from ARGV[3 + 8 * (i - 1)]:
      info_hash (40 hex), torrent id, name, multi_up, multi_dn, enabled ("1" | "0"), reason,
      size (bytes, 0 = unknown)

  Output: the torrents refused, two entries each, in order: the torrent's position i, then the
  info_hash holding its id; empty when every torrent was written.
]]

local out, notice = {}, { ARGV[2] }
for i = 1, #KEYS - 2 do
  local a = 3 + 8 * (i - 1)
  local ih, id = ARGV[a], ARGV[a + 1]
  local holder = redis.call('HGET', KEYS[2], id)
  if holder and holder ~= ih and redis.call('SISMEMBER', KEYS[1], holder) == 1 then
    out[#out + 1] = i
    out[#out + 1] = holder
  else
    redis.call('HSET', KEYS[2 + i], 'torrent_id', id, 'name', ARGV[a + 2], 'multi_up', ARGV[a + 3], 'multi_dn', ARGV[a + 4], 'enabled', ARGV[a + 5], 'reason', ARGV[a + 6], 'size', ARGV[a + 7])
    redis.call('SADD', KEYS[1], ih)
    redis.call('HSET', KEYS[2], id, ih)
    notice[#notice + 1] = ih
  end
end
if #notice > 1 then
  redis.call('PUBLISH', ARGV[1], table.concat(notice, ' '))
end
return out
