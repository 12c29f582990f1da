// WebSocket round-trip client: CONNS connections, each sends a SIZE-byte message and waits for its
// echo before sending the next (closed loop), for SECONDS. Prints one "BENCH_JSON {...}" line with
// the count of round trips completed inside the window, p50/p99 latency in microseconds and errors.
// Usage: node ws-bench.js URL HOST CONNS SECONDS [SIZE]
'use strict';
const WebSocket = require('ws');

const [url, host, connsArg, secondsArg, sizeArg] = process.argv.slice(2);
const conns = Number(connsArg);
const seconds = Number(secondsArg);
const payload = Buffer.alloc(Number(sizeArg || 64), 'x');
const now = () => Number(process.hrtime.bigint() / 1000n); // microseconds

let latencies = [];
let errors = 0;
let open = 0;
let closed = 0;
let windowStart = 0;
let windowEnd = Infinity;
let wrongEchoes = 0;
let echoes = 0; // all echoes, inside the window or not (the probe wants to see one)

function finish() {
  const elapsed = windowStart ? (Math.min(now(), windowEnd) - windowStart) / 1e6 : 0;
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : 0);
  const out = {
    requests: latencies.length,
    duration_us: Math.round(elapsed * 1e6),
    p50_us: pct(50),
    p99_us: pct(99),
    errors: errors + wrongEchoes,
    connected: open,
    echoes,
  };
  console.log('BENCH_JSON ' + JSON.stringify(out));
  process.exit(0);
}

function connection() {
  const ws = new WebSocket(url, { headers: { Host: host }, perMessageDeflate: false });
  let sentAt = 0;
  let done = false;
  const send = () => {
    sentAt = now();
    ws.send(payload);
  };
  ws.on('open', () => {
    open++;
    if (open === conns) {
      // The window starts when every connection is up, so setup time is not counted.
      windowStart = now();
      windowEnd = windowStart + seconds * 1e6;
    }
    send();
  });
  ws.on('message', (data) => {
    const t = now();
    echoes++;
    if (data.length !== payload.length) wrongEchoes++;
    if (windowStart && sentAt >= windowStart && t <= windowEnd) latencies.push(t - sentAt);
    if (t < windowEnd) send();
    else if (!done) {
      done = true;
      ws.close();
    }
  });
  ws.on('error', () => {
    if (!done) errors++;
    done = true;
  });
  ws.on('close', () => {
    if (!done) errors++;
    done = true;
    if (++closed === conns) finish();
  });
}

for (let i = 0; i < conns; i++) connection();
// Hard stop: connection setup slack plus the window plus a little time to close.
setTimeout(finish, (seconds + 10) * 1000);
