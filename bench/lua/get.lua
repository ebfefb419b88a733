-- GET requests: BENCH_PATH is the path, where "{slug}", "{id}" and "{q}" are
-- replaced per request by a random line of slugs.txt, a random id in
-- 1..BENCH_MAX_ID, or a random line of words.txt. With BENCH_TOKENS set, each
-- request carries a random bearer token from that file.
local report = dofile(os.getenv("BENCH_LUA") .. "/report.lua")

local path = os.getenv("BENCH_PATH")
local slugs, words, tokens
local max_id = tonumber(os.getenv("BENCH_MAX_ID") or "10000")

function setup(thread)
  report.setup(thread)
end

function init(args)
  report.init()
  if path:find("{slug}", 1, true) then slugs = report.lines("slugs.txt") end
  if path:find("{q}", 1, true) then words = report.lines("words.txt") end
  local token_file = os.getenv("BENCH_TOKENS")
  if token_file and #token_file > 0 then tokens = report.lines(token_file) end
end

function request()
  local p = path
  if slugs then p = p:gsub("{slug}", slugs[math.random(#slugs)]) end
  if words then p = p:gsub("{q}", words[math.random(#words)]) end
  p = p:gsub("{id}", tostring(math.random(max_id)))
  local headers = nil
  if tokens then
    headers = { ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] }
  end
  return wrk.format("GET", p, headers)
end

function response(status, headers, body)
  report.count(status)
end

function done(summary, latency, requests)
  report.done(summary, latency, requests)
end
