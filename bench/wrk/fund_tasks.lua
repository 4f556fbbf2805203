-- wrk script: durable POST /v1/tasks with "fund": true (create and fund in one atomic
-- step), server-made task ids, paid in turn by the payers wrk-run set up (p0..p7, funded),
-- worker w, 1 minor unit each. ESCROWD_ADMIN_KEY in the environment.
local key = os.getenv("ESCROWD_ADMIN_KEY")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key
local counter = 0

request = function()
  counter = counter + 1
  local payer = "p" .. (counter % 8)
  return wrk.format(nil, "/v1/tasks", nil,
    '{"payer":"' .. payer .. '","worker":"w","amount":1,"currency":"usd","fund":true}')
end
