--[[
  Adds or replaces the registry records of several users, in order, each as one put would, and
  tells every instance with one notice naming the users written. Counters in the same hashes are
  left alone. A user whose passkey another user holds (before, or earlier in the batch) is refused
  and nothing of it is written; on a passkey change the old passkey stops mapping to the user.

  Input (n users; the key count 2 + n is the script's first argument):
    KEYS[1]     passkeys  HASH  passkey -> user id
    KEYS[2]     users     SET   user ids with a registry record
    KEYS[2 + i] user i    HASH  passkey, name, can_leech, enabled, leech_slots, extras (+ counters, untouched)

    ARGV[1] events channel
    ARGV[2] head of the notice ("U <origin>"): published as head, then " <user id>" per user written,
            unless none was
    then seven per user i, from ARGV[3 + 7 * (i - 1)]:
      user id, passkey, name, can_leech ("1" | "0"), enabled ("1" | "0"), leech_slots (0 = no limit),
      extras (JSON of the HnR and freeleech fields, registry-codec.ts userExtras; "" = defaults)

  Output: the users refused, two entries each, in order: the user's position i, then the id of the
  user holding its passkey (nothing of it was written); empty when every user was written. (Not an
  entry per user: thousands of small replies cost the client more than the script.)
]]

local out, written = {}, { ARGV[2] }
for i = 1, #KEYS - 2 do
  local key, a = KEYS[2 + i], 3 + 7 * (i - 1)
  local id, passkey = ARGV[a], ARGV[a + 1]
  local holder = redis.call('HGET', KEYS[1], passkey)
  if holder and holder ~= id then
    out[#out + 1] = i
    out[#out + 1] = holder
  else
    local old = redis.call('HGET', key, 'passkey')
    if old and old ~= passkey and redis.call('HGET', KEYS[1], old) == id then
      redis.call('HDEL', KEYS[1], old)
    end
    redis.call('HSET', KEYS[1], passkey, id)
    redis.call('HSET', key, 'passkey', passkey, 'name', ARGV[a + 2], 'can_leech', ARGV[a + 3], 'enabled', ARGV[a + 4], 'leech_slots', ARGV[a + 5], 'extras', ARGV[a + 6])
    redis.call('SADD', KEYS[2], id)
    written[#written + 1] = id
  end
end
if #written > 1 then
  redis.call('PUBLISH', ARGV[1], table.concat(written, ' '))
end
return out
