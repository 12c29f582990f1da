#!/usr/bin/env bash
# Issue 4's controller benchmarks. See bench/README.md ("Translation and API-change latency").
#   bench/translate.sh [--sizes 1000x100,1000x1000,10000x100,10000x1000] [--changes 50]
# Compiles the dataplane and controller modules with their tests (nothing is installed into
# ~/.m2), then runs two mains from controller/src/test/java/dev/sluice/bench/ on the test
# classpath: TranslateBench (translate time and heap, route-table publish, certificate table
# compile) and ApiLatencyBench (API change -> first request served, against the mock API server).
# Writes bench/results/<timestamp>-translate/translate.md.
set -euo pipefail

BENCH="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
source "$BENCH/lib/common.sh"
source "$BENCH/lib/java-bench.sh"

SIZES=1000x100,1000x1000,10000x100,10000x1000 CHANGES=50
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="${2:?}"; shift ;;
    --changes) CHANGES="${2:?}"; shift ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
[[ "$SIZES" =~ ^[0-9]+x[0-9]+(,[0-9]+x[0-9]+)*$ ]] || die "--sizes wants INGRESSESxSECRETS[,...]"
[[ "$CHANGES" =~ ^[1-9][0-9]*$ ]] || die "--changes wants a positive number"

OUT="$BENCH/results/$(date +%Y%m%d-%H%M%S)-translate"
RUN="$OUT/run"
mkdir -p "$RUN/logs"
log "results in $OUT"
log "compiling (dataplane + controller, main and test)"
CP="$(bench_classpath)" || die "build failed, see $RUN/logs/classpath.log"
JAVA="$("$ROOT/bin/java-home.sh")/bin/java"
# A fixed heap so "used after GC" differences are not distorted by heap resizing; G1 as shipped.
JOPTS=(-Xms2g -Xmx2g -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

log "TranslateBench $SIZES (load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$JAVA" "${JOPTS[@]}" -cp "$CP" dev.sluice.bench.TranslateBench --sizes "$SIZES" \
  >"$OUT/translate-table.md" 2>"$RUN/logs/translate.log" || die "TranslateBench failed (logs/translate.log)"
load1="$(cut -d' ' -f1-3 /proc/loadavg)"
log "ApiLatencyBench: $CHANGES changes"
"$JAVA" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" dev.sluice.bench.ApiLatencyBench --changes "$CHANGES" \
  >"$OUT/api-latency.md" 2>"$RUN/logs/api-latency.log" || die "ApiLatencyBench failed (logs/api-latency.log)"
load2="$(cut -d' ' -f1-3 /proc/loadavg)"

{
  echo "# Translation, publish and API-change latency"
  echo
  echo "Commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) CPUs; JVM $("$JAVA" -version 2>&1 | head -1)."
  echo
  echo "## SnapshotTranslator.translate, SnapshotHolder.publish, CertificateTable.compile"
  echo
  echo "JVM ${JOPTS[*]}; load average after: $load1."
  echo "Synthetic cluster: per Ingress one host with two paths, one Service, one EndpointSlice of 3 endpoints, a TLS"
  echo "entry naming one of the Secrets. certs: *shared* = the Secrets hold 8 distinct certificates between them,"
  echo "*distinct* = one per Secret (the translator validates each distinct content once, cached by hash)."
  echo
  cat "$OUT/translate-table.md"
  echo
  echo "## API change -> first request served (cluster mode, fabric8 mock API server, one JVM)"
  echo
  echo "Load average after: $load2. Time from just before the Ingress create call to the first 200 for its host,"
  echo "polling every 2 ms; changes 300 ms apart (default debounce: 100 ms quiet, 1 s max)."
  echo
  cat "$OUT/api-latency.md"
} >"$OUT/translate.md"
cat "$OUT/translate.md"
log "report: $OUT/translate.md"
