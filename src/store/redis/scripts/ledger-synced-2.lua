--[[
  Redis Cluster: takes a user-torrent ledger off its slot's unsynced set once user-sync-4.lua has
  added version `v` to the user, unless an announce moved the ledger on meanwhile (then it stays
  for the next sync).

  Input:
    KEYS[1] user-torrent ledger  HASH  (its `v`)
    KEYS[2] unsynced             SET   "<info_hash> <uid>"

    ARGV[1] the member: "<info_hash> <uid>"
    ARGV[2] v that was synced

  Output: 1 when the member was removed, else 0.
]]

if redis.call('HGET', KEYS[1], 'v') == ARGV[2] then
  return redis.call('SREM', KEYS[2], ARGV[1])
end
return 0
