--[[
  Unregisters a torrent and drops its swarm: peers, rotation, counters. The user-torrent ledgers
  and the torrent id -> info_hash mapping stay, as the site's history. The global totals go down by
  the swarm's seeders and leechers. Tells every instance.

  Input:
    KEYS[1] torrent   HASH  registry fields, counters, rotation state
    KEYS[2] peers     HASH
    KEYS[3] seeders   ZSET
    KEYS[4] leechers  ZSET
    KEYS[5] expiry    ZSET
    KEYS[6] torrents  SET   registered info_hashes
    KEYS[7] reap      ZSET  info_hash -> reap time
    KEYS[8] totals    HASH  seeders, leechers over every swarm

    ARGV[1] info_hash (40 hex)
    ARGV[2] events channel
    ARGV[3] message published on it

  Output: 1 when the torrent was registered, 0 otherwise (the message is published either way).
]]

local seeders, leechers = redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[4])
if seeders > 0 then redis.call('HINCRBY', KEYS[8], 'seeders', -seeders) end
if leechers > 0 then redis.call('HINCRBY', KEYS[8], 'leechers', -leechers) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
local had = redis.call('SREM', KEYS[6], ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return had
