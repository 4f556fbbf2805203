-- wrk script: durable POST /v1/accounts with server-made ids, one new account per request.
-- ESCROWD_ADMIN_KEY in the environment; IDEMPOTENCY=1 adds a unique Idempotency-Key to each
-- request (its record is written in the same commit as the account).
local key = os.getenv("ESCROWD_ADMIN_KEY")
local keyed = os.getenv("IDEMPOTENCY") == "1"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key
local run = tostring(os.time()) .. "-" .. tostring(math.random(1, 1000000000))
local counter = 0

request = function()
  counter = counter + 1
  if keyed then wrk.headers["Idempotency-Key"] = run .. "-" .. counter end
  return wrk.format(nil, "/v1/accounts", nil, '{"currency":"usd"}')
end
