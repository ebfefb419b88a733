-- Writes: each thread creates a published post (POST /api/v1/posts), then
-- comments on it (POST /api/v1/posts/{slug}/comments), as random signed-in
-- users from tokens in BENCH_TOKENS.
local report = dofile(os.getenv("BENCH_LUA") .. "/report.lua")

local tokens
local pending = {}
local made = 0

function setup(thread)
  report.setup(thread)
end

function init(args)
  report.init()
  tokens = report.lines(os.getenv("BENCH_TOKENS"))
end

local function headers()
  return {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
  }
end

local body = "## Benchmark\\n\\nA post written by the load harness, with a few paragraphs of text "
  .. "so that the full-text vector has something to index. Rust, PostgreSQL and actix-web.\\n\\n"
  .. "- one\\n- two\\n- three\\n"

function request()
  local slug = table.remove(pending)
  if slug then
    return wrk.format("POST", "/api/v1/posts/" .. slug .. "/comments", headers(),
      '{"body":"Thanks for the post, a comment from the load harness."}')
  end
  made = made + 1
  local title = string.format("Load harness post %d %d %d", thread_id or 0, made, math.random(1000000000))
  return wrk.format("POST", "/api/v1/posts", headers(), string.format(
    '{"title":"%s","description":"Written by the benchmark.","body":"%s","tags":["benchmark","rust"],'
      .. '"status":"published"}', title, body))
end

function response(status, headers, body)
  report.count(status)
  if status == 201 then
    local slug = body:match('"slug":"([^"]+)"')
    -- A comment's body has no slug; a post's does.
    if slug then
      pending[#pending + 1] = slug
    end
  end
end

function done(summary, latency, requests)
  report.done(summary, latency, requests)
end
