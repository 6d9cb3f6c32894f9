-- wrk script for deploy/load.sh: random reads over the four read endpoints.
--
--   40 %  GET /api/v1/users/profile/username/{username}   anonymous
--   20 %  GET /api/v1/users/profile/{id}                  with a token
--   20 %  GET /api/v1/users/{id}/stats                    with a token
--   20 %  GET /api/v1/users/me                            with a token
--
-- LOAD_USERS names a file of "username hex-id" lines (public, active users
-- with no block either way, so every answer should be 200); LOAD_TOKENS a
-- file of tokens, one a line. done() prints the figures and a LOAD_RESULT
-- line that load.sh reads.

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local function lines(path)
   local out = {}
   local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
   for line in file:lines() do
      if line ~= "" then
         table.insert(out, line)
      end
   end
   file:close()
   return out
end

local users = {}
local tokens = {}

function init(args)
   math.randomseed(os.time() * 1000 + id)
   for _, line in ipairs(lines(os.getenv("LOAD_USERS"))) do
      local name, hex = line:match("^(%S+)%s+(%x+)$")
      if name then
         table.insert(users, { name = name, id = hex })
      end
   end
   tokens = lines(os.getenv("LOAD_TOKENS"))
   assert(#users > 0 and #tokens > 0, "no users or no tokens to load with")
   statuses = {}
end

function request()
   local user = users[math.random(#users)]
   local roll = math.random(100)
   if roll <= 40 then
      return wrk.format("GET", "/api/v1/users/profile/username/" .. user.name)
   end
   local headers = { ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] }
   if roll <= 60 then
      return wrk.format("GET", "/api/v1/users/profile/" .. user.id, headers)
   elseif roll <= 80 then
      return wrk.format("GET", "/api/v1/users/" .. user.id .. "/stats", headers)
   end
   return wrk.format("GET", "/api/v1/users/me", headers)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local counts = {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses") or {}) do
         counts[status] = (counts[status] or 0) + n
      end
   end
   local not_200 = 0
   local breakdown = {}
   for status, n in pairs(counts) do
      table.insert(breakdown, status .. ": " .. n)
      if status ~= 200 then
         not_200 = not_200 + n
      end
   end
   table.sort(breakdown)
   local e = summary.errors
   local socket = e.connect + e.read + e.write + e.timeout
   local seconds = summary.duration / 1e6
   local ms = function(p) return latency:percentile(p) / 1000 end
   io.write("\n")
   io.write(string.format("requests: %d in %.1f s, %.0f/s\n",
      summary.requests, seconds, summary.requests / seconds))
   io.write(string.format("latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
      ms(50), ms(90), ms(99), latency.max / 1000))
   io.write("statuses: " .. table.concat(breakdown, ", ") .. "\n")
   io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
      e.connect, e.read, e.write, e.timeout))
   io.write(string.format(
      "LOAD_RESULT requests=%d rps=%.0f p50_ms=%.1f p99_ms=%.1f not_200=%d socket_errors=%d errors=%d\n",
      summary.requests, summary.requests / seconds, ms(50), ms(99), not_200, socket,
      not_200 + socket))
end
