-- wrk script: POSTs the GraphQL query in BENCH_QUERY to /api/graphql and
-- reports like report.lua (whose `done` it loads from BENCH_REPORT).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_BODY")
dofile(os.getenv("BENCH_REPORT"))
