--[[
  Adds or replaces the registry records of several torrents, in order, and tells every instance
  with one notice naming them all. Counters and rotation state in the same hashes are left alone.

  Input (n torrents; the key count 2 + n is the script's first argument):
    KEYS[1]     torrents     SET   registered info_hashes
    KEYS[2]     torrent-ids  HASH  torrent id -> info_hash
    KEYS[2 + i] torrent i    HASH  registry fields (+ counters, rotation state, untouched)

    ARGV[1] events channel
    ARGV[2] head of the notice ("T <origin>"): published as head, then " <info_hash>" per torrent
    then seven per torrent i, from ARGV[3 + 7 * (i - 1)]:
      info_hash (40 hex), torrent id, name, multi_up, multi_dn, enabled ("1" | "0"), reason

  Output: the number of torrents written (n)
]]

local n = #KEYS - 2
local notice = { ARGV[2] }
for i = 1, n do
  local a = 3 + 7 * (i - 1)
  redis.call('HSET', KEYS[2 + i], 'torrent_id', ARGV[a + 1], 'name', ARGV[a + 2], 'multi_up', ARGV[a + 3], 'multi_dn', ARGV[a + 4], 'enabled', ARGV[a + 5], 'reason', ARGV[a + 6])
  redis.call('SADD', KEYS[1], ARGV[a])
  redis.call('HSET', KEYS[2], ARGV[a + 1], ARGV[a])
  notice[i + 1] = ARGV[a]
end
if n > 0 then
  redis.call('PUBLISH', ARGV[1], table.concat(notice, ' '))
end
return n
