--[[
  Reads the same fields of several hashes in one call: the registry's records, when an instance
  loads them all or re-reads the ones a burst of change notices named. Writes nothing.

  Input (the key count n is the script's first argument):
    KEYS[1..n] the records' hashes
    ARGV       the fields to read

  Output: one array per key, in key order: the fields' values in ARGV order (nil where absent)
]]

local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('HMGET', KEYS[i], unpack(ARGV))
end
return out
