--[[
  Unregisters a torrent and drops its swarm: peers, rotation, counters. The user-torrent ledgers
  and the torrent id -> info_hash mapping stay, as the site's history. The global totals go down by
  the swarm's seeders and leechers. Tells every instance.

  With the SQL flush on, a torrent the site's table may show (changed since its last flush, or
  flushed with peers or snatches) leaves its unflushed snatches in the gone-torrents hash under its
  torrent id: the next flush writes that torrent's row with 0 seeders and 0 leechers. Its flush
  snapshot (sent_* fields) goes with the torrent hash.

  Input:
    KEYS[1] torrent   HASH  registry fields, counters, rotation state
    KEYS[2] peers     HASH
    KEYS[3] seeders   ZSET  peerKey -> slot in KEYS[13]
    KEYS[4] leechers  ZSET  peerKey -> slot in KEYS[14]
    KEYS[5] expiry    ZSET
    KEYS[6] torrents  SET   registered info_hashes
    KEYS[7] reap      ZSET  info_hash -> reap time
    KEYS[8] totals    HASH  seeders, leechers over every swarm
    KEYS[9] dirty torrents SET info_hashes changed since their last SQL flush
    KEYS[10] gone torrents HASH torrent id -> snatches not yet flushed
    KEYS[11] owners   HASH  user id -> live peers in the swarm
    KEYS[12] leeching HASH  user id -> that user's leeching peers over every swarm: each leecher of
                            the swarm frees its slot (written only when ARGV[5] is "1")
    KEYS[13] seeder records  STRING
    KEYS[14] leecher records STRING

    ARGV[1] info_hash (40 hex)
    ARGV[2] events channel
    ARGV[3] message published on it
    ARGV[4] "1" when the SQL flush is on
    ARGV[5] "1" when leeching peers are counted (standalone; a cluster passes "0" and any KEYS[12] of the slot)
    ARGV[6] the SQL flush's dirty-peers HASH when its site rows are on, else "" (announce-19.lua,
            ARGV[28]): each peer of the swarm is marked, so its row leaves the site (the ledger keeps
            the torrent id)

  Output: 1 when the torrent was registered, 0 otherwise (the message is published either way).
]]

local seeders, leechers = redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[4])
if ARGV[4] == '1' then
  local f = redis.call('HMGET', KEYS[1], 'torrent_id', 'snatches', 'sent_snatches', 'sent_seeders', 'sent_leechers')
  local dirty = redis.call('SREM', KEYS[9], ARGV[1])
  if f[1] then
    local unsent = tonumber(f[2] or '0') - tonumber(f[3] or '0')
    if dirty == 1 or unsent ~= 0 or (f[4] or '0') ~= '0' or (f[5] or '0') ~= '0' then
      redis.call('HINCRBY', KEYS[10], f[1], unsent)
    end
  end
end
if ARGV[5] == '1' and leechers > 0 then
  -- peerKey: "<uid>:" .. 20 peer_id bytes
  for _, k in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
    local uid = string.sub(k, 1, #k - 21)
    if redis.call('HINCRBY', KEYS[12], uid, -1) <= 0 then redis.call('HDEL', KEYS[12], uid) end
  end
end
if ARGV[6] and ARGV[6] ~= '' then
  for _, k in ipairs(redis.call('HKEYS', KEYS[2])) do redis.call('HSET', ARGV[6], ARGV[1] .. k, '') end
end
if seeders > 0 then redis.call('HINCRBY', KEYS[8], 'seeders', -seeders) end
if leechers > 0 then redis.call('HINCRBY', KEYS[8], 'leechers', -leechers) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[11], KEYS[13], KEYS[14])
local had = redis.call('SREM', KEYS[6], ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return had
