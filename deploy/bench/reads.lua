-- wrk script for deploy/read-bench.sh: profile reads by username, the names
-- drawn uniformly or skewed, anonymously or as one of a set of viewers.
--
-- Environment (read by every wrk thread):
--   READ_BENCH_NAMES   file of usernames, one a line, in a fixed random order:
--                      line 1 is the most-read user of the skewed draw
--   READ_BENCH_DRAW    "uniform" (every name equally likely) or "zipf"
--                      (rank k drawn with weight 1 / k^s)
--   READ_BENCH_ZIPF_S  the exponent s of the skewed draw (default 1)
--   READ_BENCH_TOKENS  optional file of bearer tokens, one a line: each request
--                      is signed in as the next viewer in turn; unset or empty
--                      means anonymous reads
--   READ_BENCH_SEED    seed of the draw (default 1), offset by the thread number
-- At the end one line, for the bench to parse:
--   result requests=N seconds=S rps=R p50_us=A p95_us=B p99_us=C non2xx=D socket_errors=E

local names, cumulative, tokens = {}, {}, {}
local draw, zipf_total
local counter = 0

local function read_lines(path, into)
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    if #line > 0 then into[#into + 1] = line end
  end
  file:close()
end

-- Threads get an id in the main state so that each draws its own sequence
-- (LuaJIT's generator starts from the same seed in every thread otherwise).
local thread_count = 0
setup = function(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

init = function(args)
  read_lines(os.getenv("READ_BENCH_NAMES"), names)
  local token_file = os.getenv("READ_BENCH_TOKENS")
  if token_file and #token_file > 0 then read_lines(token_file, tokens) end
  draw = os.getenv("READ_BENCH_DRAW") or "uniform"
  math.randomseed((tonumber(os.getenv("READ_BENCH_SEED")) or 1) * 1000 + (thread_id or 0))
  if draw == "zipf" then
    -- Inverse CDF: cumulative[k] = sum of 1/i^s for i <= k; a draw is the
    -- first rank whose cumulative weight reaches u * total (binary search).
    local s = tonumber(os.getenv("READ_BENCH_ZIPF_S")) or 1
    local sum = 0
    for k = 1, #names do
      sum = sum + 1 / k ^ s
      cumulative[k] = sum
    end
    zipf_total = sum
  elseif draw ~= "uniform" then
    error("READ_BENCH_DRAW must be uniform or zipf, not " .. draw)
  end
end

local function next_name()
  if draw == "uniform" then return names[math.random(#names)] end
  local target = math.random() * zipf_total
  local low, high = 1, #names
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cumulative[middle] < target then low = middle + 1 else high = middle end
  end
  return names[low]
end

request = function()
  local path = "/api/v1/users/profile/username/" .. next_name()
  if #tokens == 0 then return wrk.format("GET", path) end
  counter = counter + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[(counter % #tokens) + 1] })
end

-- No response() callback: it would cost every request a call into Lua. wrk
-- counts answers with a status above 399 in summary.errors.status; the bench
-- expects no 1xx or 3xx from this endpoint.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("result requests=%d seconds=%.3f rps=%.1f p50_us=%d p95_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
