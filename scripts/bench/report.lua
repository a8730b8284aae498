-- wrk reporter: one line with requests/s and latency percentiles (ms).
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("%10.0f req/s   p50 %6.2f ms   p95 %6.2f ms   p99 %6.2f ms   errors %d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors))
end
