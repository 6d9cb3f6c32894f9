-- anonymous profile reads from four forwarded clients
local n = 0
request = function()
  n = n + 1
  local client = "203.0.113." .. (n % 4 + 1)
  return wrk.format("GET", "/api/v1/users/profile/username/johndoe123", { ["X-Forwarded-For"] = client })
end
