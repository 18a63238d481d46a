--[[
  Adds or replaces a torrent's registry record and tells every instance. Counters and rotation
  state in the same hash are left alone.

  Input:
    KEYS[1] torrent      HASH  torrent_id, name, multi_up, multi_dn, enabled, reason (+ counters)
    KEYS[2] torrents     SET   registered info_hashes
    KEYS[3] torrent ids  HASH  torrent id -> info_hash

    ARGV[1] info_hash (40 hex)
    ARGV[2] torrent id
    ARGV[3] name
    ARGV[4] multi_up      ARGV[5] multi_dn   (shortest round-trip decimal of the double)
    ARGV[6] enabled ("1" | "0")
    ARGV[7] reason
    ARGV[8] events channel
    ARGV[9] message published on it

  Output: 0
]]

redis.call('HSET', KEYS[1], 'torrent_id', ARGV[2], 'name', ARGV[3], 'multi_up', ARGV[4], 'multi_dn', ARGV[5], 'enabled', ARGV[6], 'reason', ARGV[7])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
redis.call('PUBLISH', ARGV[8], ARGV[9])
return 0
