--[[
  Drops the peers of one swarm that have been silent since before a cutoff, and moves the swarm's
  reap time to its oldest remaining peer (or takes the swarm off the reap set when none is left).
  Touches only expired peers: they are found through the expiry zset. The global totals go down by
  the peers the ZREMs really removed from each rotation; with the SQL flush on, a swarm that lost
  seeders or leechers joins the dirty torrents.

  Input:
    KEYS[1] peers     HASH  peerKey -> record and state
    KEYS[2] seeders   ZSET  peerKey -> join sequence
    KEYS[3] leechers  ZSET  peerKey -> join sequence
    KEYS[4] expiry    ZSET  peerKey -> lastSeen
    KEYS[5] reap      ZSET  info_hash -> no later than the swarm's oldest lastSeen
    KEYS[6] totals    HASH  seeders, leechers over every swarm
    KEYS[7] dirty torrents SET info_hashes changed since their last SQL flush
    KEYS[8] owners    HASH  user id -> that user's live peers in the swarm (each dropped peer frees its place)

    ARGV[1] info_hash (40 hex), the member of the reap set
    ARGV[2] cutoff, unix seconds: peers whose lastSeen is below it are dropped
    ARGV[3] "1" when the SQL flush is on

  Output: how many peers were dropped.
]]

local peersKey, seedersKey, leechersKey, expiryKey, reapKey, totalsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local BATCH = 1000 -- keeps unpack() below Lua's stack limit

local dropped, seeders, leechers = 0, 0, 0
while true do
  local expired = redis.call('ZRANGEBYSCORE', expiryKey, '-inf', '(' .. ARGV[2], 'LIMIT', 0, BATCH)
  if #expired == 0 then break end
  redis.call('HDEL', peersKey, unpack(expired))
  seeders = seeders + redis.call('ZREM', seedersKey, unpack(expired))
  leechers = leechers + redis.call('ZREM', leechersKey, unpack(expired))
  redis.call('ZREM', expiryKey, unpack(expired))
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
