-- request + reject cycles for wrk: one connection per thread, so each thread's calls
-- alternate; each thread signs in as one of the logins passed after "--" (user key ...).
--   wrk -t20 -c20 -d10s -s benchmarks/cycles.lua http://host:port -- user1 key1 user2 key2

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("index", #threads)
end

function init(args)
  local logins = #args / 2
  local i = (index - 1) % logins
  user, key = args[2 * i + 1], args[2 * i + 2]
  pending, cycles, failures = nil, 0, 0
end

function request()
  local path = "/api_command.php?user=" .. user .. "&api_key=" .. key
  if pending then
    return wrk.format("GET", path .. "&cmd=reject&id=" .. pending)
  end
  return wrk.format("GET", path .. "&cmd=request&service=Google")
end

function response(status, headers, body)
  local ok = status == 200 and body:find('"status":%s*"ok"') ~= nil
  if pending then
    pending = nil
    if ok then cycles = cycles + 1 else failures = failures + 1 end
  else
    pending = ok and body:match('"id":%s*"?(%d+)') or nil
    if not pending then failures = failures + 1 end
  end
end

function done(summary, latency, requests)
  local total, failed = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("cycles")
    failed = failed + thread:get("failures")
  end
  io.write(string.format("cycles %d failures %d\n", total, failed))
end
