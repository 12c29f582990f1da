-- wrk script used by every wrk row.
-- 1. Connects to 127.0.0.1 whatever the URL's host is. wrk sends the URL's host as TLS SNI, so the
--    URL can carry the name the proxy routes on (bench.test, pass.bench.test) without an
--    /etc/hosts entry.
-- 2. Prints one machine-readable line at the end: requests, duration, latency percentiles (us)
--    and every kind of error wrk counts (socket errors and non-2xx/3xx statuses).

function wrk.resolve(host, service)
  wrk.addrs = wrk.lookup("127.0.0.1", service)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p99_us":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
