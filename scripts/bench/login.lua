-- wrk script: every request signs in through the JSON API. Run from the
-- repository root (scripts/bench/login does), which is where the shared
-- reporter is found.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"bench password 1"}'

dofile("scripts/bench/report.lua")
