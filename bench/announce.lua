-- wrk script: a varied, deterministic announce load against mika's tracker (or any server).
--
-- Needs env BENCH_FIXTURES: the file bench/fixtures.ts writes (`P <passkey>` and `T <info_hash hex>`
-- lines: 50 users, 1,000 torrents). Each wrk thread builds its own pool of requests in init() and
-- cycles through it (wrk-replay.lua), so every target gets the same bytes.
--
-- Pool per thread: PEERS peers, each announcing ROUNDS times, round by round:
--   * a peer is (passkey, torrent, peer_id): passkey uniform over the users, torrent skewed towards
--     low indices (popular torrents have big swarms), peer_id = a client prefix + 12 random bytes,
--     percent-encoded like clients do (unreserved bytes literal, every other byte %XX);
--   * 60% seeders (left=0), 40% leechers whose left falls each round; a leecher reaching 0 sends
--     `completed`; round 1 is `started`, the last round is `stopped` for 10% of the peers, then the
--     pool starts over (counters go down: mika rebases, as for a restarted client);
--   * numwant omitted, 50 or 200 (capped by the tracker); compact=1 and no_peer_id=1 as clients send.
-- The seed is fixed (SEED + thread number), so two runs send the same requests.
--
-- With env BENCH_PATH=plain the URL is `/announce?…` without the passkey (trackers that have no
-- users: bittorrent-tracker, opentracker); the requests are otherwise byte for byte the same.
-- With env BENCH_DUMP=<file>, thread 0 also writes its pool's request paths there, one a line
-- (tracker-micro.ts replays them in process).
--
-- done() (wrk-replay.lua) prints one line `BENCH_RESULT {json}`; run.ts reads it.

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "wrk-replay.lua")

local PEERS = 2000
local ROUNDS = 8
local SEED = 20240601

local CLIENTS = { "-qB4650-", "-TR4060-", "-DE2110-", "-lt0D80-", "-UT3600-" }
local NUMWANT = { "", "&numwant=50", "&numwant=200" }

-- Park-Miller minimal standard generator: exact in doubles, the same on every LuaJIT/Lua.
local state = SEED
local function random()
  state = (state * 16807) % 2147483647
  return state / 2147483647
end
local function random_int(n) -- 0 .. n-1
  return math.floor(random() * n)
end

local function unreserved(b)
  return (b >= 48 and b <= 57) or (b >= 65 and b <= 90) or (b >= 97 and b <= 122)
    or b == 45 or b == 46 or b == 95 or b == 126
end

local function encode_byte(b)
  if unreserved(b) then return string.char(b) end
  return string.format("%%%02X", b)
end

local function encode_hex(hex)
  local out = {}
  for i = 1, #hex, 2 do out[#out + 1] = encode_byte(tonumber(hex:sub(i, i + 1), 16)) end
  return table.concat(out)
end

local function read_fixtures()
  local path = os.getenv("BENCH_FIXTURES")
  if not path then error("BENCH_FIXTURES is not set") end
  local file = assert(io.open(path, "r"))
  local passkeys, hashes = {}, {}
  for line in file:lines() do
    local kind, value = line:match("^(%a) (%x+)$")
    if kind == "P" then passkeys[#passkeys + 1] = value
    elseif kind == "T" then hashes[#hashes + 1] = encode_hex(value) end
  end
  file:close()
  if #passkeys == 0 or #hashes == 0 then error("no users or torrents in " .. path) end
  return passkeys, hashes
end

function init(args)
  state = SEED + (tid or 0) * 7919
  local passkeys, hashes = read_fixtures()
  local plain = os.getenv("BENCH_PATH") == "plain"
  local dump = (tid or 0) == 0 and os.getenv("BENCH_DUMP") and assert(io.open(os.getenv("BENCH_DUMP"), "w"))
  local peers = {}
  for p = 1, PEERS do
    local id = { CLIENTS[random_int(#CLIENTS) + 1] }
    for _ = 1, 12 do id[#id + 1] = encode_byte(random_int(256)) end
    local u = random()
    local size = math.floor((0.1 + random() * 10) * 1073741824)
    local seeder = random() < 0.6
    -- Drawn with BENCH_PATH=plain too: the generator's sequence, hence every other byte, stays the same.
    local passkey = passkeys[random_int(#passkeys) + 1]
    peers[p] = {
      prefix = (plain and "/announce" or "/" .. passkey .. "/announce")
        .. "?info_hash="
        .. hashes[math.floor(u * u * #hashes) + 1]
        .. "&peer_id=" .. table.concat(id)
        .. "&port=" .. (10000 + random_int(50000)),
      suffix = "&corrupt=0&key=" .. string.format("%08X", random_int(2147483647))
        .. NUMWANT[random_int(#NUMWANT) + 1] .. "&compact=1&no_peer_id=1&supportcrypto=1",
      uploaded = 0,
      downloaded = 0,
      left = seeder and 0 or math.floor(size * (0.1 + random() * 0.9)),
      stops = random() < 0.1,
    }
  end
  for round = 1, ROUNDS do
    for p = 1, PEERS do
      local peer = peers[p]
      local event = ""
      if round == 1 then
        event = "&event=started"
      else
        local step = random_int(1073741824)
        peer.uploaded = peer.uploaded + random_int(300 * 1048576)
        if peer.left > 0 then
          peer.downloaded = peer.downloaded + math.min(step, peer.left)
          peer.left = math.max(0, peer.left - step)
          if peer.left == 0 then event = "&event=completed" end
        end
        if round == ROUNDS and peer.stops then event = "&event=stopped" end
      end
      local path = peer.prefix
        .. "&uploaded=" .. string.format("%d", peer.uploaded)
        .. "&downloaded=" .. string.format("%d", peer.downloaded)
        .. "&left=" .. string.format("%d", peer.left)
        .. event .. peer.suffix
      pool_add(path)
      if dump then dump:write(path, "\n") end
    end
  end
  if dump then dump:close() end
end
