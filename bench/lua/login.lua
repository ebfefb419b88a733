-- Log-ins: POST /api/v1/auth/login as random seeded users (emails in
-- logins.txt, the demo password in BENCH_PASSWORD), over and over.
local report = dofile(os.getenv("BENCH_LUA") .. "/report.lua")

local emails
local password = os.getenv("BENCH_PASSWORD")

function setup(thread)
  report.setup(thread)
end

function init(args)
  report.init()
  emails = report.lines("logins.txt")
end

function request()
  local email = emails[math.random(#emails)]
  return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" },
    string.format('{"email":"%s","password":"%s"}', email, password))
end

function response(status, headers, body)
  report.count(status)
end

function done(summary, latency, requests)
  report.done(summary, latency, requests)
end
