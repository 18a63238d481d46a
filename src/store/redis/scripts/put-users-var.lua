--[[
  Adds or replaces the registry records of several users, in order, each as one put would, and
  tells every instance with one notice naming the users written. Counters in the same hashes are
  left alone. A user whose passkey another user holds (before, or earlier in the batch) is refused
  and nothing of it is written; on a passkey change the old passkey stops mapping to the user.

  Input (n users, at most a few thousand: Lua's unpack limit; the key count 2 + n is the script's
  first argument):
    KEYS[1]     passkeys  HASH  passkey -> user id
    KEYS[2]     users     SET   user ids with a registry record
    KEYS[2 + i] user i    HASH  passkey, name, can_leech, enabled, leech_slots, extras (+ counters, untouched)

    ARGV[1] events channel
    ARGV[2] head of the notice ("U <origin>"): published as head, then " <user id>" per user written,
            unless none was
    ARGV[3] the users: a JSON array of strings, seven per user i from index 7 * (i - 1) + 1:
      user id, passkey, name, can_leech ("1" | "0"), enabled ("1" | "0"), leech_slots (0 = no limit),
      extras (JSON of the HnR and freeleech fields, registry-codec.ts userExtras; "" = defaults)
    (One argument, not seven per user: encoding thousands of arguments cost the client more than
    cjson costs here.)

  Output: the users refused, two entries each, in order: the user's position i, then the id of the
  user holding its passkey (nothing of it was written); empty when every user was written. (Not an
  entry per user: thousands of small replies cost the client more than the script.)

  The passkeys hash is read with one HMGET for the batch and written with one HSET (and an HDEL
  for passkeys given up) at the end, and the users set with one SADD: `holders` is the hash as the
  batch has left it so far (false: no holder), so each user sees the users before it as if each
  had been written on its own.
]]

local users = cjson.decode(ARGV[3])
local n = #KEYS - 2
local wanted = {}
for i = 1, n do
  wanted[i] = users[7 * (i - 1) + 2]
end
-- changed: the passkeys whose holder the batch changed, in order; seen: the same as a set.
local holders, changed, seen = {}, {}, {}
if n > 0 then
  local held = redis.call('HMGET', KEYS[1], unpack(wanted))
  for i = 1, n do
    holders[wanted[i]] = held[i]
  end
end

local function holder(passkey)
  local h = holders[passkey]
  if h == nil then
    h = redis.call('HGET', KEYS[1], passkey)
    holders[passkey] = h
  end
  return h
end

local function set(passkey, id)
  if not seen[passkey] then
    seen[passkey] = true
    changed[#changed + 1] = passkey
  end
  holders[passkey] = id
end

local out, written = {}, { ARGV[2] }
for i = 1, n do
  local key, a = KEYS[2 + i], 7 * (i - 1)
  local id, passkey = users[a + 1], users[a + 2]
  local h = holder(passkey)
  if h and h ~= id then
    out[#out + 1] = i
    out[#out + 1] = h
  else
    local old = redis.call('HGET', key, 'passkey')
    if old and old ~= passkey and holder(old) == id then
      set(old, false)
    end
    set(passkey, id)
    redis.call('HSET', key, 'passkey', passkey, 'name', users[a + 3], 'can_leech', users[a + 4], 'enabled', users[a + 5], 'leech_slots', users[a + 6], 'extras', users[a + 7])
    written[#written + 1] = id
  end
end

local put, gone = {}, {}
for _, passkey in ipairs(changed) do
  local h = holders[passkey]
  if h then
    put[#put + 1] = passkey
    put[#put + 1] = h
  else
    gone[#gone + 1] = passkey
  end
end
if #gone > 0 then
  redis.call('HDEL', KEYS[1], unpack(gone))
end
if #put > 0 then
  redis.call('HSET', KEYS[1], unpack(put))
end
if #written > 1 then
  redis.call('SADD', KEYS[2], unpack(written, 2))
  redis.call('PUBLISH', ARGV[1], table.concat(written, ' '))
end
return out
