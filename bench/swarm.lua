-- wrk script of the swarm-size sweep: replays the request paths of the file in env BENCH_PATHS
-- (bench/fixtures.ts writeSwarmPaths: re-announces of peers already in the swarm, numwant=50),
-- one a line, in a loop. Each thread starts at its own offset, so the threads do not move in step.
-- Every announce is a regular one (no event) from a peer the swarm holds: the swarm keeps its size.

dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "wrk-replay.lua")

function init(args)
  local path = os.getenv("BENCH_PATHS")
  if not path then error("BENCH_PATHS is not set") end
  for line in io.lines(path) do pool_add(line) end
  if pool_size() == 0 then error("no request paths in " .. path) end
  pool_start((tid or 0) * 7919)
end
