#!/usr/bin/env bash
# Sluice vs nginx vs HAProxy on loopback, one command. See bench/README.md.
#   bench/run.sh [--quick] [--only ROW[,ROW...]] [--tools TOOL[,TOOL...]] [--rounds N]
# Installs what is missing (apt, npm), starts a backend and the three proxies on fixed ports,
# measures every row interleaved nginx, HAProxy, Sluice, prints the table, writes it with the raw
# outputs and a ratio chart to bench/results/<timestamp>/, and stops everything it started.
set -euo pipefail

BENCH="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
source "$BENCH/lib/common.sh"
source "$BENCH/lib/setup.sh"
source "$BENCH/lib/rows.sh"

usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
  echo "ROW: ${ROWS_ALL[*]}"
  echo "TOOL: ${TOOLS_ALL[*]}"
  echo "Environment: SLUICE_BIN (launcher, default bin/sluice of this checkout), SLUICE_JAVA_OPTS"
}

MODE=full ROUNDS="" ROWS=("${ROWS_ALL[@]}") TOOLS=("${TOOLS_ALL[@]}")
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --only) [ $# -ge 2 ] || die "--only needs a row"; IFS=, read -ra ROWS <<<"$2"; shift ;;
    --tools) [ $# -ge 2 ] || die "--tools needs a list"; IFS=, read -ra TOOLS <<<"$2"; shift ;;
    --rounds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--rounds needs a positive number"; ROUNDS="$2"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
for r in "${ROWS[@]}"; do [[ " ${ROWS_ALL[*]} " == *" $r "* ]] || die "unknown row '$r' (rows: ${ROWS_ALL[*]})"; done
for t in "${TOOLS[@]}"; do [[ " ${TOOLS_ALL[*]} " == *" $t "* ]] || die "unknown tool '$t' (tools: ${TOOLS_ALL[*]})"; done
if [ "$MODE" = quick ]; then WARMUP=1 DURATION=3 JIT_WARMUP=2 ROUNDS="${ROUNDS:-2}"
else WARMUP=2 DURATION=8 JIT_WARMUP=5 ROUNDS="${ROUNDS:-3}"; fi
CLK_TCK=$(getconf CLK_TCK)

OUT="$BENCH/results/$(date +%Y%m%d-%H%M%S)"
RUN="$OUT/run"
mkdir -p "$RUN/logs" "$OUT/data" "$OUT/raw"
: >"$RUN/pids"
trap 'stop_all' EXIT
trap 'log "interrupted, stopping everything"; exit 130' INT TERM
log "results in $OUT"

[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (proxy on CPU $PROXY_CPU, load generator on CPU $LOAD_CPU)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
install_tools
command -v gcc >/dev/null || die "gcc is needed to build the no-resume shim (apt-get install gcc)"

# Nothing else may answer on our ports, or we would measure a stranger.
for port in $BACKEND_HTTP $BACKEND_HTTPS $BACKEND_WS $BACKEND_CHECK \
  "${HTTP_PORT[@]}" "${HTTPS_PORT[@]}" "${PASS_PORT[@]}" $SLUICE_ADMIN; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is already in use"; fi
done

NO_RESUME_SO="$RUN/no-resume.so"
gcc -O2 -shared -fPIC -o "$NO_RESUME_SO" "$BENCH/lib/no-resume.c" -ldl
make_certs
make_docroot
write_configs
start_backends
check_full_handshakes

SLUICE_NOTE=""
for tool in "${TOOLS[@]}"; do
  if [ "$tool" = sluice ]; then
    if build_sluice && start_proxy sluice && wait_sluice_ready; then
      SLUICE_NOTE="Sluice: SLUICE_JAVA_OPTS='${SLUICE_JAVA_OPTS:--Dio.netty.eventLoopThreads=1}', pinned to CPU $PROXY_CPU."
    else
      SLUICE_NOTE="Sluice did not start or serve (see run/logs/sluice.log): its rows are n/a."
      log "$SLUICE_NOTE"
    fi
  else
    start_proxy "$tool" || die "$tool did not start (see $RUN/logs/$tool.log)"
  fi
done

# Probe every row once per tool; only what answers correctly is measured.
declare -A READY=()
PEER_FAILED=0
for row in "${ROWS[@]}"; do
  for tool in "${TOOLS[@]}"; do
    seen=""
    if alive "$tool" && seen=$(probe "$row" "$tool"); then
      READY[$row.$tool]=1
    elif [ "$tool" = sluice ]; then
      # A feature Sluice does not have yet is not a failed run: the row says n/a.
      why="not implemented yet"
      alive sluice || why="Sluice did not start"
      log "probe $row sluice: ${seen:-not running} -> n/a ($why)"
      for ((round = 1; round <= ROUNDS; round++)); do
        record "$row" sluice "$round" na "$why (probe: ${seen:-not running})"
      done
    else
      log "probe $row $tool FAILED: $seen"
      PEER_FAILED=1
      for ((round = 1; round <= ROUNDS; round++)); do
        record "$row" "$tool" "$round" failed "probe: $seen"
      done
    fi
  done
done

python3 - "$OUT/meta.json" <<EOF
import json, sys
json.dump({
  "started": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "mode": "$MODE", "rounds": $ROUNDS,
  "warmup": $WARMUP, "duration": $DURATION,
  "rows": "${ROWS[*]}".split(), "tools": "${TOOLS[*]}".split(),
  "proxy_cpu": $PROXY_CPU, "load_cpu": $LOAD_CPU,
  "commit": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo +dirty)",
  "sluice_note": """$SLUICE_NOTE""",
}, open(sys.argv[1], "w"), indent=1)
EOF

# The JVM compiles its hot paths during the first seconds under load: give Sluice that time once
# on every row it serves, before round 1 (nginx and HAProxy have nothing to warm up).
for row in "${ROWS[@]}"; do
  if [ -n "${READY[$row.sluice]:-}" ]; then
    mkdir -p "$OUT/raw/$row"
    log "JIT warm-up: $row through Sluice for ${JIT_WARMUP}s"
    run_load "$row" sluice "$JIT_WARMUP" "$OUT/raw/$row/sluice.jit-warmup.txt" || true
    rm -f "$OUT/raw/$row/sluice.jit-warmup.txt.h2log"
  fi
done

total=${#READY[@]}
log "probes passed: $(printf '%s ' "${!READY[@]}" | tr ' ' '\n' | sort | tr '\n' ' ')"
log "measuring: $((total * ROUNDS)) runs of ${WARMUP}s warm-up + ${DURATION}s (~$((total * ROUNDS * (WARMUP + DURATION + 1) / 60 + 1)) min)"
for ((round = 1; round <= ROUNDS; round++)); do
  for row in "${ROWS[@]}"; do
    for tool in "${TOOLS[@]}"; do
      if [ -n "${READY[$row.$tool]:-}" ]; then measure "$row" "$tool" "$round"; fi
    done
  done
done

stop_all
python3 "$BENCH/lib/report.py" "$OUT" || PEER_FAILED=1
log "table: $OUT/table.md  chart: $OUT/ratios.png  raw outputs: $OUT/raw/"
exit $PEER_FAILED
