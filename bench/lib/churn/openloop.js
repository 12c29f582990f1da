// Open-loop HTTP/1.1 load at a fixed rate, for bench/churn.sh.
//   node openloop.js URL HOST RATE SECONDS OUT.json
// Request i is due at start + i/RATE whatever happened to earlier ones (no coordinated omission):
// its latency is measured from when it was DUE, not from when a socket became free, so a stall in
// the proxy shows up in the percentiles instead of silently lowering the rate. Keep-alive sockets
// are reused; a new one is opened when all are busy (up to 1024). Errors are socket errors and
// timeouts (5 s); non-2xx statuses are counted separately. Writes a JSON summary to OUT.
'use strict';
const http = require('http');
const fs = require('fs');

const [url, host, rateArg, secsArg, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node openloop.js URL HOST RATE SECONDS OUT.json');
  process.exit(2);
}
const rate = Number(rateArg);
const secs = Number(secsArg);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024 });
const total = Math.round(rate * secs);
const lat = new Float64Array(total); // ms from due time to response end; NaN = failed
lat.fill(NaN);
const sendLag = new Float64Array(total); // ms from due time to the request being handed to Node
const fromSend = new Float64Array(total); // ms from handing over to response end
fromSend.fill(NaN);
const perSecond = []; // [{ n, fail, lat: [] }]
let sent = 0, done = 0, ok = 0, non2xx = 0, errors = 0, late = 0;
const errorKinds = {};
const statuses = {};
const start = process.hrtime.bigint();
const nowMs = () => Number(process.hrtime.bigint() - start) / 1e6;

function bucket(dueMs) {
  const s = Math.floor(dueMs / 1000);
  while (perSecond.length <= s) perSecond.push({ n: 0, fail: 0, lat: [] });
  return perSecond[s];
}

function fire(i, dueMs) {
  sent++;
  const sentAt = nowMs();
  sendLag[i] = sentAt - dueMs;
  const b = bucket(dueMs);
  b.n++;
  let finished = false;
  const finish = (failed, kind) => {
    if (finished) return;
    finished = true;
    done++;
    const ms = nowMs() - dueMs;
    if (failed) {
      errors++;
      b.fail++;
      errorKinds[kind] = (errorKinds[kind] || 0) + 1;
    } else {
      lat[i] = ms;
      fromSend[i] = nowMs() - dueMs - sendLag[i];
      b.lat.push(ms);
    }
    if (done === total) report();
  };
  const req = http.request({
    host: target.hostname, port: target.port, path: target.pathname + target.search,
    method: 'GET', agent, headers: { Host: host }, timeout: 5000,
  }, (res) => {
    statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
    const good = res.statusCode >= 200 && res.statusCode < 300;
    if (good) ok++; else { non2xx++; b.fail++; }
    res.on('data', () => {});
    res.on('end', () => finish(false));
    res.on('error', (e) => finish(true, e.code || e.message));
  });
  req.on('timeout', () => { req.destroy(new Error('timeout')); });
  req.on('error', (e) => finish(true, e.code || e.message));
  req.end();
}

// A 1 ms tick sends everything that is due; lateness of the tick itself is inside the measured
// latency (due time is the schedule, not the tick).
let next = 0;
const timer = setInterval(() => {
  const now = nowMs();
  while (next < total && next * 1000 / rate <= now) {
    const due = next * 1000 / rate;
    if (now - due > 10) late++;
    fire(next, due);
    next++;
  }
  if (next >= total) clearInterval(timer);
}, 1);
setTimeout(() => { console.error('openloop: requests still open 15 s after the end'); report(); }, (secs + 15) * 1000).unref();

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
}

let reported = false;
function report() {
  if (reported) return;
  reported = true;
  const all = Array.from(lat).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const r3 = (x) => (x == null ? null : Math.round(x * 1000) / 1000);
  const lag = Array.from(sendLag).sort((a, b) => a - b);
  const fs2 = Array.from(fromSend).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const summary = {
    url, host, rate, seconds: secs, due: total, sent, completed: done, ok, non2xx, errors,
    error_kinds: errorKinds, statuses, sent_late_over_10ms: late,
    lost: total - done,
    p50_ms: r3(pct(all, 50)), p90_ms: r3(pct(all, 90)), p99_ms: r3(pct(all, 99)),
    p999_ms: r3(pct(all, 99.9)), max_ms: r3(all[all.length - 1]),
    sockets_opened: agentSockets,
    // The generator's own lag: how late requests were handed to Node. When this is large the load
    // generator (its CPU), not the proxy, is behind; from_send is latency from that moment.
    send_lag_p50_ms: r3(pct(lag, 50)), send_lag_p99_ms: r3(pct(lag, 99)), send_lag_max_ms: r3(lag[lag.length - 1]),
    from_send_p50_ms: r3(pct(fs2, 50)), from_send_p99_ms: r3(pct(fs2, 99)),
    per_second: perSecond.map((b, s) => {
      const l = b.lat.sort((x, y) => x - y);
      return { s, n: b.n, fail: b.fail, p50_ms: r3(pct(l, 50)), p99_ms: r3(pct(l, 99)), max_ms: r3(l[l.length - 1]) };
    }),
  };
  fs.writeFileSync(out, JSON.stringify(summary, null, 1));
  console.log(`openloop: ${done}/${total} done, ${ok} 2xx, ${non2xx} non-2xx, ${errors} errors, ` +
    `p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms, max ${summary.max_ms} ms, generator lag p99 ${summary.send_lag_p99_ms} ms`);
  agent.destroy();
  process.exit(0);
}
let agentSockets = 0;
agent.on('free', () => {});
const origCreate = agent.createConnection.bind(agent);
agent.createConnection = (...a) => { agentSockets++; return origCreate(...a); };
