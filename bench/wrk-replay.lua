-- Shared by the bench's wrk scripts, loaded with dofile from the script's own directory. A script
-- builds each thread's pool of requests once, in init(), with pool_add(); request() replays the pool
-- in a loop, so it costs wrk next to nothing and every target gets the same bytes. setup() numbers
-- the threads (the global `tid` of each thread's script). done() prints one line
-- `BENCH_RESULT {json}` with requests, duration, req/s, latency percentiles (microseconds) and wrk's
-- error counts (status = non-2xx/3xx replies); bench/processes.ts reads it.

-- BENCH_THREAD_BASE numbers this wrk process's threads from there: several wrk processes (one per
-- mika instance, bench/scale-out.ts) then send different peers instead of the same ones twice.
local next_thread = tonumber(os.getenv("BENCH_THREAD_BASE") or "0")

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

local pool = {}
local count = 0
local index = 0

function pool_add(path)
  count = count + 1
  pool[count] = wrk.format("GET", path)
end

-- Where this thread starts in its pool (call after the last pool_add).
function pool_start(offset)
  index = offset % count
end

function pool_size()
  return count
end

function request()
  index = index + 1
  if index > count then index = 1 end
  return pool[index]
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
