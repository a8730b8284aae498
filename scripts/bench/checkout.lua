-- wrk script: each connection is one shopper who adds a unit to the cart
-- and checks out, over and over. Run with as many threads as connections
-- (one connection per thread), so a thread's state is its shopper's.
-- Reads tokens and variant ids (one per line, one per shopper) from the
-- files named by BENCH_TOKENS and BENCH_VARIANTS.
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

local function line(path, n)
  local i = 0
  for text in io.lines(path) do
    i = i + 1
    if i == n then return text end
  end
  error("no line " .. n .. " in " .. path)
end

local token, variant
local adding = true
orders, failures = 0, 0

function init(args)
  token = line(os.getenv("BENCH_TOKENS"), id)
  variant = line(os.getenv("BENCH_VARIANTS"), id)
end

local checkout = '{"shipping_address":{"full_name":"Bench Shopper","line1":"1 Main St","city":"Springfield",'
  .. '"postal_code":"12345","country":"US"},"shipping_method":"standard",'
  .. '"payment":{"card_number":"4242 4242 4242 4242","exp_month":12,"exp_year":2030,"cvc":"123"}}'

function request()
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
  if adding then
    return wrk.format("POST", "/api/v1/cart/items", headers, '{"variant_id":' .. variant .. ',"quantity":1}')
  end
  return wrk.format("POST", "/api/v1/orders", headers, checkout)
end

function response(status, headers, body)
  if status ~= 201 and os.getenv("BENCH_DEBUG") then io.stderr:write(status, " ", body, "\n") end
  if not adding then
    if status == 201 then orders = orders + 1 else failures = failures + 1 end
  elseif status ~= 201 then
    failures = failures + 1
  end
  adding = not adding
end

function done(summary, latency, requests)
  local placed, failed = 0, 0
  for _, thread in ipairs(threads) do
    placed = placed + thread:get("orders")
    failed = failed + thread:get("failures")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("%8.0f orders/s   (%d orders in %.1f s; every order is 2 requests: p50 %.2f ms, p99 %.2f ms)   failures %d\n",
    placed / seconds, placed, seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed))
end
