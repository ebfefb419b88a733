-- Shared by every scenario (loaded with dofile): reading data files, seeding
-- each thread's random numbers, and the one JSON line that run.py parses.

local report = {}

-- The lines of a file in BENCH_DATA (written by run.py), as a table.
function report.lines(name)
  local path = os.getenv("BENCH_DATA") .. "/" .. name
  local items = {}
  for line in io.lines(path) do
    if #line > 0 then
      items[#items + 1] = line
    end
  end
  assert(#items > 0, "no lines in " .. path)
  return items
end

local threads = {}
local next_id = 0

-- wrk calls setup() once per thread before it starts; every thread gets an id
-- and its own random seed.
function report.setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  threads[#threads + 1] = thread
end

function report.init()
  math.randomseed(os.time() + (thread_id or 0) * 7919)
end

-- Counts per HTTP status class, kept per thread and summed in done().
function report.count(status)
  if status >= 200 and status < 300 then
    ok_count = (ok_count or 0) + 1
  else
    bad_count = (bad_count or 0) + 1
    if first_bad == nil then
      first_bad = status
    end
  end
end

function report.done(summary, latency, requests)
  local ok, bad, first = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + (thread:get("ok_count") or 0)
    bad = bad + (thread:get("bad_count") or 0)
    first = thread:get("first_bad") or first
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,'
      .. '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,'
      .. '"counted_2xx":%d,"counted_other":%d,"first_other_status":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    ok, bad, first))
end

return report
