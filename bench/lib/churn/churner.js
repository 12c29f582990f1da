// Changes Sluice's routes at a fixed rate through the manifest folder, for bench/churn.sh.
//   node churner.js DIR CERTDIR NCERTS RATE SECONDS HTTP_PORT OUT.json
// Change i (due at start + i/RATE) is, in turn:
//   0: a new Ingress for host churn-N.test in a new file (the file of churn-(N-KEEP) is deleted,
//      so the folder stays bounded); every SAMPLE-th one is probed: GET /100b, Host churn-N.test,
//      every 20 ms until 200, and write -> first 200 is recorded;
//   1: the measured Service's EndpointSlice rewritten: two endpoints (127.0.0.1 and 127.0.0.2),
//      readiness cycling both / only .1 / both / only .2, so at least one is always ready;
//   2: the measured host's TLS Secret rewritten with the next certificate of a pool made up front.
// Every file is written to a temporary name the folder source ignores (*.tmp) and renamed, so
// Sluice never reads half a file. Writes a JSON summary to OUT.
'use strict';
const fs = require('fs');
const path = require('path');
const http = require('http');

const [dir, certDir, nCertsArg, rateArg, secsArg, portArg, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node churner.js DIR CERTDIR NCERTS RATE SECONDS HTTP_PORT OUT.json');
  process.exit(2);
}
const rate = Number(rateArg), secs = Number(secsArg), port = Number(portArg), nCerts = Number(nCertsArg);
const KEEP = 300;   // live churn Ingresses at most
// Probe every 10th new Ingress, every 20 ms: ~3 probes start a second at 100 changes/s, each
// polling until its route is live (~1 s); faster polling made the probes' 404s a second load.
const SAMPLE = 10;
const PROBE_EVERY_MS = 20;
const BACKEND_PORT = process.env.BACKEND_HTTP || '18080';

const certs = [];
for (let k = 0; k < nCerts; k++) {
  certs.push({
    crt: fs.readFileSync(path.join(certDir, `rot-${k}.crt`)).toString('base64'),
    key: fs.readFileSync(path.join(certDir, `rot-${k}.key`)).toString('base64'),
  });
}

function writeAtomic(name, text) {
  const tmp = path.join(dir, `.${name}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path.join(dir, name));
}

const ingress = (n) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: churn-${n}, namespace: default }
spec:
  rules:
    - host: churn-${n}.test
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: churn-be, port: { name: http } } }
`;

const READY = [[true, true], [true, false], [true, true], [false, true]];
const slice = (step) => {
  const [a, b] = READY[step % READY.length];
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: churn-be
  namespace: default
  labels: { kubernetes.io/service-name: churn-be }
addressType: IPv4
ports:
  - { name: http, port: ${BACKEND_PORT} }
endpoints:
  - addresses: ["127.0.0.1"]
    conditions: { ready: ${a}, serving: ${a} }
  - addresses: ["127.0.0.2"]
    conditions: { ready: ${b}, serving: ${b} }
`;
};

const secret = (k) => `apiVersion: v1
kind: Secret
metadata: { name: churn-tls, namespace: default }
type: kubernetes.io/tls
data:
  tls.crt: ${certs[k].crt}
  tls.key: ${certs[k].key}
`;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const probes = []; // { n, ms } or { n, timeout: true }
let openProbes = 0;
function probe(n, writtenAt) {
  openProbes++;
  const deadline = writtenAt + 10000;
  const attempt = () => {
    const req = http.request({ host: '127.0.0.1', port, path: '/100b', agent, headers: { Host: `churn-${n}.test` }, timeout: 2000 },
      (res) => {
        res.resume();
        res.on('end', () => {
          const t = performance.now();
          if (res.statusCode === 200) { probes.push({ n, ms: t - writtenAt }); openProbes--; maybeDone(); }
          else if (t > deadline) { probes.push({ n, timeout: true, last_status: res.statusCode }); openProbes--; maybeDone(); }
          else setTimeout(attempt, PROBE_EVERY_MS);
        });
      });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => { if (performance.now() > deadline) { probes.push({ n, timeout: true }); openProbes--; maybeDone(); } else setTimeout(attempt, PROBE_EVERY_MS); });
    req.end();
  };
  attempt();
}

const counts = { ingress_added: 0, ingress_deleted: 0, endpoint_changes: 0, cert_rotations: 0, write_errors: 0 };
const total = Math.round(rate * secs);
let next = 0, lateMax = 0, ingN = 0, sliceStep = 0, certK = 0;
const t0 = performance.now();
const timer = setInterval(() => {
  const now = performance.now() - t0;
  while (next < total && next * 1000 / rate <= now) {
    lateMax = Math.max(lateMax, now - next * 1000 / rate);
    try {
      switch (next % 3) {
        case 0: {
          const n = ingN++;
          writeAtomic(`churn-${n}.yaml`, ingress(n));
          const at = performance.now();
          counts.ingress_added++;
          if (n >= KEEP) { fs.rmSync(path.join(dir, `churn-${n - KEEP}.yaml`), { force: true }); counts.ingress_deleted++; }
          if (n % SAMPLE === 0) probe(n, at);
          break;
        }
        case 1: writeAtomic('churn-be-slice.yaml', slice(++sliceStep)); counts.endpoint_changes++; break;
        default: certK = (certK + 1) % certs.length; writeAtomic('churn-tls.yaml', secret(certK)); counts.cert_rotations++;
      }
    } catch (e) {
      counts.write_errors++;
    }
    next++;
  }
  if (next >= total) { clearInterval(timer); finishedAt = performance.now() - t0; maybeDone(); }
}, 1);
let finishedAt = null;
// The endpoint state left behind is "both ready", so the run ends where it started.
function maybeDone() {
  if (finishedAt == null || openProbes > 0) return;
  try { writeAtomic('churn-be-slice.yaml', slice(0)); } catch (e) { counts.write_errors++; }
  const seen = probes.filter((p) => p.ms != null).map((p) => p.ms).sort((a, b) => a - b);
  const pct = (p) => (seen.length ? Math.round(seen[Math.min(seen.length - 1, Math.ceil(p / 100 * seen.length) - 1)]) : null);
  const summary = {
    rate, seconds: secs, changes: next, changes_per_s: Math.round(next / (finishedAt / 1000) * 10) / 10,
    max_schedule_lag_ms: Math.round(lateMax), ...counts,
    visibility: { probed: probes.length, seen: seen.length, timeouts: probes.length - seen.length,
      p50_ms: pct(50), p90_ms: pct(90), p99_ms: pct(99), max_ms: seen.length ? Math.round(seen[seen.length - 1]) : null,
      min_ms: seen.length ? Math.round(seen[0]) : null },
    samples: probes,
  };
  fs.writeFileSync(out, JSON.stringify(summary, null, 1));
  console.log(`churner: ${next} changes (${summary.changes_per_s}/s), visibility p50 ${summary.visibility.p50_ms} ms ` +
    `p99 ${summary.visibility.p99_ms} ms over ${seen.length} probes, ${summary.visibility.timeouts} timeouts`);
  agent.destroy();
  process.exit(0);
}
