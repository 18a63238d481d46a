--[[
  Adds or replaces a user's registry record and tells every instance. Counters in the same hash
  are left alone. A passkey held by another user is refused; on a passkey change the old passkey
  stops mapping to the user.

  Input:
    KEYS[1] user      HASH  passkey, name, can_leech, enabled (+ counters, untouched)
    KEYS[2] passkeys  HASH  passkey -> user id
    KEYS[3] users     SET   user ids with a registry record

    ARGV[1] user id
    ARGV[2] passkey
    ARGV[3] name
    ARGV[4] can_leech ("1" | "0")
    ARGV[5] enabled ("1" | "0")
    ARGV[6] events channel
    ARGV[7] message published on it

  Output: { 0 } done | { -1, holder id } the passkey belongs to another user (nothing written)
]]

local holder = redis.call('HGET', KEYS[2], ARGV[2])
if holder and holder ~= ARGV[1] then return { -1, holder } end

local old = redis.call('HGET', KEYS[1], 'passkey')
if old and old ~= ARGV[2] and redis.call('HGET', KEYS[2], old) == ARGV[1] then
  redis.call('HDEL', KEYS[2], old)
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[1], 'passkey', ARGV[2], 'name', ARGV[3], 'can_leech', ARGV[4], 'enabled', ARGV[5])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[6], ARGV[7])
return { 0 }
