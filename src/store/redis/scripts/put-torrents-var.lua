--[[
  Adds or replaces the registry records of several torrents, in order, and tells every instance of
  each. Counters and rotation state in the same hashes are left alone.

  Input (n torrents; the key count 2 + n is the script's first argument):
    KEYS[1]     torrents     SET   registered info_hashes
    KEYS[2]     torrent-ids  HASH  torrent id -> info_hash
    KEYS[2 + i] torrent i    HASH  registry fields (+ counters, rotation state, untouched)

    ARGV[1] events channel
    then eight per torrent i, from ARGV[2 + 8 * (i - 1)]:
      info_hash (40 hex), torrent id, name, multi_up, multi_dn, enabled ("1" | "0"), reason,
      message published on the channel

  Output: the number of torrents written (n)
]]

for i = 1, #KEYS - 2 do
  local a = 2 + 8 * (i - 1)
  redis.call('HSET', KEYS[2 + i], 'torrent_id', ARGV[a + 1], 'name', ARGV[a + 2], 'multi_up', ARGV[a + 3], 'multi_dn', ARGV[a + 4], 'enabled', ARGV[a + 5], 'reason', ARGV[a + 6])
  redis.call('SADD', KEYS[1], ARGV[a])
  redis.call('HSET', KEYS[2], ARGV[a + 1], ARGV[a])
  redis.call('PUBLISH', ARGV[1], ARGV[a + 7])
end
return #KEYS - 2
