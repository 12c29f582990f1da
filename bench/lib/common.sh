# Shared helpers for bench/run.sh: logging, fixed ports, background processes, /proc sampling.
# Sourced, not executed.

# Fixed loopback ports (high, away from the Sluice defaults 8080/8443/9090 and the e2e tests).
BACKEND_HTTP=18080
BACKEND_HTTPS=18443
BACKEND_WS=18090
BACKEND_CHECK=18444  # TLS listener that logs session reuse, for check_full_handshakes
declare -A HTTP_PORT=([nginx]=19080 [haproxy]=29080 [sluice]=39080)
declare -A HTTPS_PORT=([nginx]=19443 [haproxy]=29443 [sluice]=39443)
# nginx and HAProxy passthrough on a port of its own (stream/tcp mode); Sluice does SNI
# passthrough and termination on its one HTTPS port, which is the point of its design.
declare -A PASS_PORT=([nginx]=19444 [haproxy]=29444 [sluice]=39443)
SLUICE_ADMIN=39090

HOST_TERM=bench.test       # terminated by the proxy (and the Host of plain HTTP rows)
HOST_PASS=pass.bench.test  # passed through by SNI to the backend's TLS listener

# CPU pinning: the proxy under test gets CPU 0 to itself; load generators and backends share CPU 1.
PROXY_CPU=0
LOAD_CPU=1

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# start_bg NAME CPU CMD... : runs CMD pinned to CPU in the background, output to logs/NAME.log,
# and remembers its pid for stop_all. taskset execs CMD, so $! is CMD's own pid.
start_bg() {
  local name="$1" cpu="$2"; shift 2
  taskset -c "$cpu" "$@" >"$RUN/logs/$name.log" 2>&1 &
  local pid=$!
  echo "$name $pid" >>"$RUN/pids"
  PID_OF[$name]=$pid
}
declare -A PID_OF=()

# pid_tree PID: PID and all its descendants (nginx master + workers, a launcher + its JVM).
pid_tree() {
  local p="$1" c
  [ -d "/proc/$p" ] || return 0
  echo "$p"
  for c in $(pgrep -P "$p" 2>/dev/null); do pid_tree "$c"; done
}

# stop_all: TERM every process started by start_bg (and its children), newest first; KILL what is
# still there after 5 s. Only our own pids, never by name.
stop_all() {
  [ -f "$RUN/pids" ] || return 0
  local name pid all=()
  while read -r name pid; do
    all+=($(pid_tree "$pid"))
  done < <(tac "$RUN/pids")
  [ ${#all[@]} -eq 0 ] && return 0
  kill -TERM "${all[@]}" 2>/dev/null || true
  for _ in $(seq 50); do
    local alive=0 p
    for p in "${all[@]}"; do [ -d "/proc/$p" ] && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  kill -KILL "${all[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  : >"$RUN/pids"
}

# alive NAME: is the process started under NAME still running?
alive() { [ -n "${PID_OF[$1]:-}" ] && kill -0 "${PID_OF[$1]}" 2>/dev/null; }

# wait_port PORT SECONDS [NAME]: until something accepts on 127.0.0.1:PORT; fails early when the
# named process has exited.
wait_port() {
  local port="$1" secs="$2" name="${3:-}" i
  for ((i = 0; i < secs * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if [ -n "$name" ] && ! alive "$name"; then return 1; fi
    sleep 0.1
  done
  return 1
}

# proxy_pids TOOL: the processes whose CPU and memory count for TOOL (nginx: master + workers).
proxy_pids() { pid_tree "${PID_OF[$1]}"; }

# cpu_ticks PID...: utime+stime summed over the processes, in clock ticks. Fields are counted after
# the ")" closing the command name, which may itself contain spaces.
cpu_ticks() {
  local p total=0 rest f
  for p in "$@"; do
    rest=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    # after "comm) " comes field 3 (state), so utime (14) and stime (15) are f[11] and f[12]
    read -ra f <<<"$rest"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}

# rss_reset PID...: reset the peak RSS (VmHWM) so the next reading is the peak of one measurement.
rss_reset() {
  local p
  for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done
}

# rss_peak_kb PID...: VmHWM summed over the processes, in KiB.
rss_peak_kb() {
  local p total=0 v
  for p in "$@"; do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
