#!/usr/bin/env bash
# Configuration churn under fixed-rate load, through Sluice. See bench/README.md ("Churn").
#   bench/churn.sh [--rate RPS] [--changes PER_S] [--seconds S] [--cluster]
# Starts two backends (nginx on 127.0.0.1 and 127.0.0.2) and Sluice, then measures an open-loop
# load at RPS requests/s (Node, bench/lib/churn/openloop.js) three times: baseline, during churn
# (PER_S route changes a second: new Ingresses, EndpointSlice flips, TLS Secret rotation) and
# after. Standalone mode churns the manifest folder (bench/lib/churn/churner.js); --cluster runs
# the controller against fabric8's mock API server in one JVM (dev.sluice.bench.ClusterChurn)
# and churns through the Kubernetes client. Writes bench/results/<timestamp>/churn.md.
set -euo pipefail

BENCH="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
source "$BENCH/lib/common.sh"
source "$BENCH/lib/setup.sh"
source "$BENCH/lib/java-bench.sh"

RATE=1000 CHANGES=100 SECONDS_EACH=20 WARMUP=15 MODE=standalone NCERTS=16
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE="${2:?}"; shift ;;
    --changes) CHANGES="${2:?}"; shift ;;
    --seconds) SECONDS_EACH="${2:?}"; shift ;;
    --cluster) MODE=cluster ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
for v in "$RATE" "$CHANGES" "$SECONDS_EACH"; do [[ "$v" =~ ^[1-9][0-9]*$ ]] || die "not a positive number: $v"; done

export HOST_CHURN=churn.bench.test
OUT="$BENCH/results/$(date +%Y%m%d-%H%M%S)-churn"
RUN="$OUT/run"
mkdir -p "$RUN/logs" "$RUN/sluice-manifests" "$RUN/certs/pool"
: >"$RUN/pids"
trap 'stop_all' EXIT
trap 'log "interrupted, stopping everything"; exit 130' INT TERM
log "results in $OUT ($MODE mode)"

[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
install_tools
for port in $BACKEND_HTTP $BACKEND_HTTPS $BACKEND_CHECK "${HTTP_PORT[sluice]}" "${HTTPS_PORT[sluice]}" $SLUICE_ADMIN; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is already in use"; fi
done
if (exec 3<>"/dev/tcp/127.0.0.2/$BACKEND_HTTP") 2>/dev/null; then die "127.0.0.2:$BACKEND_HTTP is already in use"; fi

make_certs
make_docroot
mkdir -p "$RUN/conf" "$RUN/tmp"
render "$BENCH/conf/backend-nginx.conf" "$RUN/conf/backend-nginx.conf"
render "$BENCH/conf/churn-backend2-nginx.conf" "$RUN/conf/backend2-nginx.conf"
start_nginx backend "$LOAD_CPU" "$RUN/conf/backend-nginx.conf"
start_nginx backend2 "$LOAD_CPU" "$RUN/conf/backend2-nginx.conf"
wait_port "$BACKEND_HTTP" 10 backend || die "backend nginx did not start"

# The pool of certificates the churner rotates through: made once, up front, so the churn loop
# only writes files. ECDSA P-256, each with its own key.
for ((k = 0; k < NCERTS; k++)); do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$RUN/certs/pool/rot-$k.key" 2>/dev/null
  openssl req -x509 -new -key "$RUN/certs/pool/rot-$k.key" -sha256 -days 2 -subj "/CN=rot-$k.$HOST_CHURN" \
    -addext "subjectAltName=DNS:$HOST_CHURN" -out "$RUN/certs/pool/rot-$k.crt" 2>/dev/null
done
M="$RUN/sluice-manifests"
render "$BENCH/conf/churn.yaml" "$M/churn-base.yaml"
# churn-be-slice.yaml and churn-tls.yaml in their starting state: the churner's own templates.
BACKEND_HTTP=$BACKEND_HTTP node -e '
const fs = require("fs"), [dir, certs] = process.argv.slice(1);
const b64 = (f) => fs.readFileSync(f).toString("base64");
fs.writeFileSync(dir + "/churn-tls.yaml", `apiVersion: v1\nkind: Secret\nmetadata: { name: churn-tls, namespace: default }\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64(certs + "/rot-0.crt")}\n  tls.key: ${b64(certs + "/rot-0.key")}\n`);
fs.writeFileSync(dir + "/churn-be-slice.yaml", `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: churn-be\n  namespace: default\n  labels: { kubernetes.io/service-name: churn-be }\naddressType: IPv4\nports:\n  - { name: http, port: ${process.env.BACKEND_HTTP} }\nendpoints:\n  - addresses: ["127.0.0.1"]\n    conditions: { ready: true, serving: true }\n  - addresses: ["127.0.0.2"]\n    conditions: { ready: true, serving: true }\n`);
' "$M" "$RUN/certs/pool"

SLUICE_JAVA_OPTS="${SLUICE_JAVA_OPTS:--Dio.netty.eventLoopThreads=1}"
TRIGGER="$RUN/start-churn"
if [ "$MODE" = standalone ]; then
  build_sluice || die "could not build Sluice (see $RUN/logs/sluice-build.log)"
  start_proxy sluice || die "Sluice did not start (logs/sluice.log)"
else
  CP="$(bench_classpath)" || die "could not build the test classpath (logs/classpath.log)"
  JAVA_HOME="$("$ROOT/bin/java-home.sh")"
  # shellcheck disable=SC2086
  start_bg sluice "$PROXY_CPU" "$JAVA_HOME/bin/java" $SLUICE_JAVA_OPTS -cp "$CP" dev.sluice.bench.ClusterChurn \
    --manifests "$M" --certs "$RUN/certs/pool" --http-port "${HTTP_PORT[sluice]}" --rate "$CHANGES" \
    --seconds "$SECONDS_EACH" --trigger "$TRIGGER" --out "$OUT/churner.json"
  wait_port "${HTTP_PORT[sluice]}" 90 sluice || die "ClusterChurn did not start (logs/sluice.log)"
fi
for ((i = 0; i < 300; i++)); do
  code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' -H "Host: $HOST_CHURN" "http://127.0.0.1:${HTTP_PORT[sluice]}/100b" || true)
  [ "$code" = 200 ] && break
  alive sluice || die "Sluice exited (logs/sluice.log)"
  sleep 0.1
done
[ "$code" = 200 ] || die "Sluice does not serve $HOST_CHURN (last status $code; logs/sluice.log)"

load() { # load PHASE SECONDS: one open-loop run pinned to the load CPU
  taskset -c "$LOAD_CPU" node "$BENCH/lib/churn/openloop.js" "http://127.0.0.1:${HTTP_PORT[sluice]}/100b" \
    "$HOST_CHURN" "$RATE" "$2" "$OUT/$1.json" >"$RUN/logs/load-$1.log" 2>&1
  log "$1: $(tail -1 "$RUN/logs/load-$1.log")"
}
phase() { # phase NAME: load (and churn) for SECONDS_EACH, with Sluice's CPU time and the load average
  local name="$1" pids before after churner=""
  pids=$(proxy_pids sluice)
  before=$(cpu_ticks $pids)
  if [ "$name" = churn ]; then
    if [ "$MODE" = standalone ]; then
      BACKEND_HTTP=$BACKEND_HTTP taskset -c "$LOAD_CPU" node "$BENCH/lib/churn/churner.js" "$M" "$RUN/certs/pool" \
        "$NCERTS" "$CHANGES" "$SECONDS_EACH" "${HTTP_PORT[sluice]}" "$OUT/churner.json" >"$RUN/logs/churner.log" 2>&1 &
      churner=$!
    else
      touch "$TRIGGER"
    fi
  fi
  load "$name" "$SECONDS_EACH"
  after=$(cpu_ticks $pids)
  if [ -n "$churner" ]; then wait "$churner" || log "churner exited with $?"; log "$(tail -1 "$RUN/logs/churner.log")"; fi
  if [ "$name" = churn ] && [ "$MODE" = cluster ]; then
    for ((i = 0; i < 300; i++)); do [ -s "$OUT/churner.json" ] && break; sleep 0.1; done
  fi
  echo "{\"phase\": \"$name\", \"cpu_s\": $(python3 -c "print(($after - $before) / $(getconf CLK_TCK))"), \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" \
    >"$OUT/$name.meta.json"
}

log "JIT warm-up: ${WARMUP}s at $RATE req/s"
load warmup "$WARMUP"
phase baseline
phase churn
phase after
python3 "$BENCH/lib/churn/report.py" "$OUT" "$MODE" "$RATE" "$CHANGES" \
  "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$SLUICE_JAVA_OPTS"
log "report: $OUT/churn.md"
