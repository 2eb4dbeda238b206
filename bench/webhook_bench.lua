-- wrk script for bench/webhook_bench.py: replays pre-signed requests.
-- Each wrk thread reads its own file (<prefix>.<n>) of tab-separated lines
-- "webhook-id, webhook-timestamp, webhook-signature, body", so every request
-- is a distinct delivery; all formatting happens in init(), none per request.
-- Usage: wrk -s webhook_bench.lua <url> -- <path> <file prefix>
-- With WRK_PAUSE_MS set, each connection waits that long before each request
-- (a paced load: connections / pause = the request rate, less the latency).

local pause = tonumber(os.getenv("WRK_PAUSE_MS") or "")
if pause then
  function delay()
    return pause
  end
end

local threads = {}
local count = 0

function setup(thread)
  thread:set("n", count)
  table.insert(threads, thread)
  count = count + 1
end

function init(args)
  local path, prefix = args[1], args[2]
  reqs = {}
  for line in io.lines(prefix .. "." .. n) do
    local msg, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    reqs[#reqs + 1] = wrk.format("POST", path, {
      ["Content-Type"] = "application/json",
      ["webhook-id"] = msg,
      ["webhook-timestamp"] = ts,
      ["webhook-signature"] = sig,
    }, body)
  end
  i, wrapped, bad = 0, 0, 0
end

function request()
  i = i + 1
  if i > #reqs then
    i, wrapped = 1, wrapped + 1
  end
  return reqs[i]
end

function response(status, headers, body)
  if status ~= 200 and status ~= 201 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local w, b = 0, 0
  for _, t in ipairs(threads) do
    w = w + t:get("wrapped")
    b = b + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    b + e.connect + e.read + e.write + e.timeout, w, e.status))
end
