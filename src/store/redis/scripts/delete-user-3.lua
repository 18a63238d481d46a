--[[
  Removes a user's registry record (its counters stay, as the site's ledger) and tells every instance.

  Input:
    KEYS[1] user      HASH  passkey, name, can_leech, enabled (+ counters, kept)
    KEYS[2] passkeys  HASH  passkey -> user id
    KEYS[3] users     SET   user ids with a registry record

    ARGV[1] user id
    ARGV[2] events channel
    ARGV[3] message published on it

  Output: 1 when the user had a record, 0 otherwise (the message is published either way).
]]

local old = redis.call('HGET', KEYS[1], 'passkey')
if old and redis.call('HGET', KEYS[2], old) == ARGV[1] then
  redis.call('HDEL', KEYS[2], old)
end
redis.call('HDEL', KEYS[1], 'passkey', 'name', 'can_leech', 'enabled')
local had = redis.call('SREM', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return had
