-- wrk script for deploy/bench.sh: cycles through the paths in BENCH_PATHS
-- (one per line, in the file named by the environment), sends the bearer
-- token from BENCH_TOKEN, and prints p50/p95/p99 and the error count.
local paths = {}
local token = os.getenv("BENCH_TOKEN")
local counter = 0

local file = io.open(os.getenv("BENCH_PATHS"), "r")
for line in file:lines() do
  if #line > 0 then paths[#paths + 1] = line end
end
file:close()

request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token, ["X-Request-Id"] = "bench" })
end

local failures = 0
response = function(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end

done = function(summary, latency, requests)
  local ms = function(us) return string.format("%.2f ms", us / 1000) end
  io.write(string.format("requests %d  rps %.0f  p50 %s  p95 %s  p99 %s  max %s  non-200 %d  socket errors %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    ms(latency:percentile(50)), ms(latency:percentile(95)), ms(latency:percentile(99)), ms(latency.max),
    summary.errors.status + failures, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
