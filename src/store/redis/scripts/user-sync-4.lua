--[[
  Redis Cluster: adds what one user-torrent ledger gained since the last sync to the user's
  counters, exactly once. The announce script, which may touch only its swarm's slot, counts the
  user's side in the ledger (cumulative figures and a version `v` that every announce moves up by
  one); this script, in the user's slot, remembers per ledger the version and figures it has already
  added (the seen hash) and adds only the difference. Running it again with the same or an older
  version changes nothing, so a sync that is retried, or that races the sweeper or another instance,
  never counts twice; a sync that never ran is done by the sweeper from the ledger, so nothing is lost.

  Integer counters are exact as differences of the cumulative figures. The bonus is a double: when
  `v` directly follows the seen version the announce's own points are added (the same bits as the
  standalone script's `total + points`); after a gap the difference of the cumulative sums is added.

  Input:
    KEYS[1] user          HASH  counters up_raw, down_raw, up, down, announces, cheats, snatches, bonus
    KEYS[2] seen          HASH  info_hash -> "v up_raw down_raw up down announces cheats snatches bonus"
    KEYS[3] user torrents SET   info_hashes the user announced
    KEYS[4] cheats        LIST  cheat events, newest first

    ARGV[1]  info_hash (40 hex)
    ARGV[2]  v: the ledger's version
    ARGV[3..9] the ledger's up_raw, down_raw, up, down, announces, cheats, snatches (cumulative)
    ARGV[10] the ledger's bonus (cumulative, %.17g)
    ARGV[11] the points of announce v itself ("" when unknown: the sweeper's sync)
    ARGV[12] the cheat event of announce v, or ""
    ARGV[13] most cheat events kept

  Output: 1 when figures were added, 0 when this version (or a later one) was already in.
]]

local FIELDS = { 'up_raw', 'down_raw', 'up', 'down', 'announces', 'cheats', 'snatches' }
local ih, v = ARGV[1], tonumber(ARGV[2])
local seen = redis.call('HGET', KEYS[2], ih)
local was = { 0, 0, 0, 0, 0, 0, 0, 0, 0 }
if seen then
  local i = 1
  for n in string.gmatch(seen, '%S+') do
    was[i] = tonumber(n)
    i = i + 1
  end
else
  redis.call('SADD', KEYS[3], ih)
end
if v <= was[1] then return 0 end

for i = 1, 7 do
  local d = tonumber(ARGV[2 + i]) - was[1 + i]
  if d ~= 0 then redis.call('HINCRBY', KEYS[1], FIELDS[i], string.format('%.17g', d)) end
end
local bonusNow = tonumber(ARGV[10])
local points = (v == was[1] + 1 and ARGV[11] ~= '') and tonumber(ARGV[11]) or bonusNow - was[9]
if points ~= 0 then
  local total = tonumber(redis.call('HGET', KEYS[1], 'bonus') or '0') + points
  redis.call('HSET', KEYS[1], 'bonus', string.format('%.17g', total))
end
if ARGV[12] ~= '' then
  redis.call('LPUSH', KEYS[4], ARGV[12])
  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[13]) - 1)
end
redis.call('HSET', KEYS[2], ih, table.concat({ ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10] }, ' '))
return 1
