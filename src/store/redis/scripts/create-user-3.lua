--[[
  Registers one new user in a single check-and-set: of several racing creates of one user id
  (on any instance) exactly one writes. A user id with a registry record, or a passkey another user
  holds, is refused and nothing is written.

  Input:
    KEYS[1] passkeys  HASH  passkey -> user id
    KEYS[2] users     SET   user ids with a registry record
    KEYS[3] user      HASH  passkey, name, can_leech, enabled, leech_slots, extras (+ counters, untouched)

    ARGV[1] user id     ARGV[2] passkey     ARGV[3] name
    ARGV[4] can_leech ("1" | "0")           ARGV[5] enabled ("1" | "0")
    ARGV[6] events channel                  ARGV[7] notice published when written
    ARGV[8] leech_slots (decimal, 0 = no limit)
    ARGV[9] extras (JSON of the HnR and freeleech fields, registry-codec.ts userExtras; "" = defaults)

  Output: 0 written; 1 the user id exists already; { 2, holder id } the passkey belongs to `holder`.
]]

if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 1 end
local holder = redis.call('HGET', KEYS[1], ARGV[2])
if holder then return { 2, holder } end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], 'passkey', ARGV[2], 'name', ARGV[3], 'can_leech', ARGV[4], 'enabled', ARGV[5], 'leech_slots', ARGV[8], 'extras', ARGV[9])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 0
