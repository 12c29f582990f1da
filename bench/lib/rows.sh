# The rows of the table: how each is probed and loaded, and one measurement of one row for one
# tool. Sourced by bench/run.sh.

ROWS_ALL=(http https https-new h2 pass-1m pass-new ws)
TOOLS_ALL=(nginx haproxy sluice)

# run_load ROW TOOL SECONDS OUT: one load-generator run, pinned to the load CPU, output to OUT.
# A run that hangs is killed after SECONDS + 30 and retried once: h2load -D has been seen to hang
# after "Stopped all clients" on a loaded machine.
run_load() {
  local rc=0
  load_once "$@" || rc=$?
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    log "$1 $2: load generator hung, killed; retrying once"
    rc=0
    load_once "$@" || rc=$?
  fi
  return $rc
}

# wrk -t1 because it shares CPU 1 with the backends; more threads would only fight over it.
load_once() {
  local row="$1" tool="$2" secs="$3" out="$4"
  local http="${HTTP_PORT[$tool]}" https="${HTTPS_PORT[$tool]}" pass="${PASS_PORT[$tool]}"
  local pin=(timeout -k 5 $((secs + 30)) taskset -c "$LOAD_CPU")
  local wrk=("${pin[@]}" wrk -t1 --timeout 5s -d "${secs}s" -s "$BENCH/lib/wrk-report.lua")
  rm -f "$out.h2log"
  case "$row" in
    http) "${wrk[@]}" -c64 -H "Host: $HOST_TERM" "http://127.0.0.1:$http/100b" ;;
    https) "${wrk[@]}" -c64 -H "Host: $HOST_TERM" "https://$HOST_TERM:$https/100b" ;;
    https-new)
      LD_PRELOAD="$NO_RESUME_SO" "${wrk[@]}" -c32 -H "Host: $HOST_TERM" -H 'Connection: close' \
        "https://$HOST_TERM:$https/100b" ;;
    h2)
      "${pin[@]}" h2load -t1 -c16 -m10 -D "$secs" --log-file="$out.h2log" \
        --connect-to "127.0.0.1:$https" "https://$HOST_TERM:$https/100b" ;;
    pass-1m) "${wrk[@]}" -c16 -H "Host: $HOST_PASS" "https://$HOST_PASS:$pass/1m" ;;
    pass-new)
      LD_PRELOAD="$NO_RESUME_SO" "${wrk[@]}" -c32 -H "Host: $HOST_PASS" -H 'Connection: close' \
        "https://$HOST_PASS:$pass/100b" ;;
    ws)
      "${pin[@]}" node "$BENCH/lib/ws/ws-bench.js" "ws://127.0.0.1:$http/ws" "$HOST_TERM" \
        32 "$secs" 64 ;;
    *) echo "unknown row $row"; return 2 ;;
  esac >"$out" 2>&1
}

# cert_subject PORT SNI: the subject of the certificate presented on PORT for SNI.
cert_subject() {
  timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername "$2" </dev/null 2>/dev/null \
    | openssl x509 -noout -subject 2>/dev/null | sed 's/^subject= *//'
}

# probe ROW TOOL: one request the way the row will send them, checked for status, size, protocol
# and who terminated TLS. Prints what it saw; fails when the proxy does not do the row's job.
probe() {
  local row="$1" tool="$2" got want subject
  local http="${HTTP_PORT[$tool]}" https="${HTTPS_PORT[$tool]}" pass="${PASS_PORT[$tool]}"
  local curl=(curl -s -k -o /dev/null --max-time 5)
  case "$row" in
    http)
      want="200 100 1.1"
      got=$("${curl[@]}" -w '%{http_code} %{size_download} %{http_version}' -H "Host: $HOST_TERM" \
        "http://127.0.0.1:$http/100b") ;;
    https | https-new | h2)
      local proto=--http1.1; want="200 100 1.1"
      [ "$row" = h2 ] && proto=--http2 && want="200 100 2"
      got=$("${curl[@]}" "$proto" -w '%{http_code} %{size_download} %{http_version}' \
        --resolve "$HOST_TERM:$https:127.0.0.1" "https://$HOST_TERM:$https/100b")
      subject=$(cert_subject "$https" "$HOST_TERM")
      [[ "$subject" == *proxy.bench.test* ]] || got="$got, certificate '$subject'" ;;
    pass-1m | pass-new)
      want="200 1048576 1.1"
      got=$("${curl[@]}" --http1.1 -w '%{http_code} %{size_download} %{http_version}' \
        --resolve "$HOST_PASS:$pass:127.0.0.1" "https://$HOST_PASS:$pass/1m")
      # The backend's certificate proves the bytes went through untouched.
      subject=$(cert_subject "$pass" "$HOST_PASS")
      [[ "$subject" == *backend.bench.test* ]] || got="$got, certificate '$subject'" ;;
    ws)
      want='1 round trip, 0 errors'
      got=$(timeout 10 node "$BENCH/lib/ws/ws-bench.js" "ws://127.0.0.1:$http/ws" "$HOST_TERM" 1 1 64 \
        2>&1 | python3 -c '
import json, sys
line = next((l for l in sys.stdin if l.startswith("BENCH_JSON ")), None)
if line is None:
    print("no result"); sys.exit()
r = json.loads(line[len("BENCH_JSON "):])
print("1 round trip, 0 errors" if r["echoes"] > 0 and r["errors"] == 0
      else "%d round trips, %d errors" % (r["echoes"], r["errors"]))') ;;
  esac
  echo "${got:-no answer}"
  [ "$got" = "$want" ]
}

# measure ROW TOOL ROUND: warm-up run, then the measured run with the proxy's CPU time and peak
# RSS taken around it; the parsed result goes to data/ROW.TOOL.rROUND.json.
measure() {
  local row="$1" tool="$2" round="$3"
  local base="$OUT/raw/$row/$tool.r$round"
  mkdir -p "$OUT/raw/$row"
  if ! alive "$tool"; then
    record "$row" "$tool" "$round" failed "$tool exited (see run/logs/$tool.log)"
    return
  fi
  run_load "$row" "$tool" "$WARMUP" "$base.warmup.txt" || true
  rm -f "$base.warmup.txt.h2log"
  local pids t0 t1 rss rc=0
  pids=($(proxy_pids "$tool"))
  rss_reset "${pids[@]}"
  t0=$(cpu_ticks "${pids[@]}")
  run_load "$row" "$tool" "$DURATION" "$base.txt" || rc=$?
  t1=$(cpu_ticks "${pids[@]}")
  rss=$(rss_peak_kb "${pids[@]}")
  python3 "$BENCH/lib/parse.py" --row "$row" --tool "$tool" --round "$round" --raw "$base.txt" \
    --exit-code "$rc" --cpu-ticks $((t1 - t0)) --clk-tck "$CLK_TCK" --rss-kb "$rss" \
    >"$OUT/data/$row.$tool.r$round.json" || record "$row" "$tool" "$round" failed "unparsable output ($base.txt)"
  [ -f "$base.txt.h2log" ] && gzip -f "$base.txt.h2log"
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
if r["status"] == "ok":
    print("%-9s %-7s r%s  %10.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %d" % (
        r["row"], r["tool"], r["round"], r["rps"], r["p50_ms"], r["p99_ms"], r["errors"]))
else:
    print("%-9s %-7s r%s  %s: %s" % (r["row"], r["tool"], r["round"], r["status"], r["note"]))
' "$OUT/data/$row.$tool.r$round.json" | while read -r line; do log "$line"; done
}

# record ROW TOOL ROUND STATUS NOTE: a result without numbers (n/a, failed).
record() {
  python3 -c '
import json, sys
row, tool, rnd, status, note = sys.argv[1:6]
print(json.dumps({"row": row, "tool": tool, "round": rnd, "status": status, "note": note}))
' "$@" >"$OUT/data/$1.$2.r$3.json"
}
