# Installs the tools, writes certificates, files and configurations under $RUN, starts the
# backends and the proxies under test. Sourced by bench/run.sh.

NGINX_STREAM_MODULE=/usr/lib/nginx/modules/ngx_stream_module.so

install_tools() {
  local missing=()
  command -v nginx >/dev/null && [ -f "$NGINX_STREAM_MODULE" ] || missing+=(nginx-light libnginx-mod-stream)
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v h2load >/dev/null || missing+=(nghttp2-client)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "need root to apt-get install ${missing[*]}"
    log "installing ${missing[*]} (apt-get)"
    # policy-rc.d keeps Debian's nginx/haproxy services from starting on port 80 during the
    # install; it is removed again only if we created it.
    local created_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
      created_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$RUN/logs/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      >>"$RUN/logs/apt.log" 2>&1 || { [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; die "apt-get failed, see $RUN/logs/apt.log"; }
    [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  fi
  if [ ! -d "$BENCH/lib/ws/node_modules/ws" ]; then
    log "installing the ws package for the WebSocket backend and client (npm)"
    (cd "$BENCH/lib/ws" && npm install --no-package-lock --no-audit --no-fund --loglevel=error) >"$RUN/logs/npm.log" 2>&1 \
      || die "npm install failed, see $RUN/logs/npm.log"
  fi
}

# Two ECDSA P-256 certificates, so a probe can tell who terminated TLS: the proxies present
# CN=proxy.bench.test, the backend presents CN=backend.bench.test. Keys are PKCS#8 ("BEGIN
# PRIVATE KEY"), which every proxy here (and a kubernetes.io/tls Secret for Sluice) accepts.
make_certs() {
  local c="$RUN/certs" who
  mkdir -p "$c"
  for who in proxy backend; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$c/$who.key" 2>/dev/null
    openssl req -x509 -new -key "$c/$who.key" -sha256 -days 2 -subj "/CN=$who.bench.test" \
      -addext "subjectAltName=DNS:$HOST_TERM,DNS:$HOST_PASS,DNS:$who.bench.test" \
      -out "$c/$who.crt" 2>/dev/null
    cat "$c/$who.crt" "$c/$who.key" >"$c/$who.pem"  # HAProxy wants both in one file
  done
}

make_docroot() {
  mkdir -p "$RUN/www"
  head -c 100 /dev/zero | tr '\0' 'a' >"$RUN/www/100b"
  head -c 1048576 /dev/zero | tr '\0' 'b' >"$RUN/www/1m"
  chmod -R a+rX "$RUN/www"
}

# render TEMPLATE OUT: substitutes @VAR@ placeholders with the values of the shell variables.
render() {
  local tpl="$1" out="$2"
  RUN="$RUN" BACKEND_HTTP=$BACKEND_HTTP BACKEND_HTTPS=$BACKEND_HTTPS BACKEND_WS=$BACKEND_WS BACKEND_CHECK=$BACKEND_CHECK \
    HOST_TERM=$HOST_TERM HOST_PASS=$HOST_PASS NGINX_STREAM_MODULE=$NGINX_STREAM_MODULE \
    NGINX_HTTP=${HTTP_PORT[nginx]} NGINX_HTTPS=${HTTPS_PORT[nginx]} NGINX_PASS=${PASS_PORT[nginx]} \
    HAPROXY_HTTP=${HTTP_PORT[haproxy]} HAPROXY_HTTPS=${HTTPS_PORT[haproxy]} \
    HAPROXY_PASS=${PASS_PORT[haproxy]} \
    PROXY_CRT_B64="$(base64 -w0 "$RUN/certs/proxy.crt")" PROXY_KEY_B64="$(base64 -w0 "$RUN/certs/proxy.key")" \
    python3 -c '
import os, re, sys
text = open(sys.argv[1]).read()
def sub(m):
    name = m.group(1)
    if name not in os.environ:
        sys.exit("unknown placeholder @%s@ in %s" % (name, sys.argv[1]))
    return os.environ[name]
open(sys.argv[2], "w").write(re.sub(r"@([A-Z0-9_]+)@", sub, text))
' "$tpl" "$out"
}

write_configs() {
  mkdir -p "$RUN/conf" "$RUN/tmp" "$RUN/sluice-manifests"
  render "$BENCH/conf/backend-nginx.conf" "$RUN/conf/backend-nginx.conf"
  render "$BENCH/conf/proxy-nginx.conf" "$RUN/conf/proxy-nginx.conf"
  render "$BENCH/conf/haproxy.cfg" "$RUN/conf/haproxy.cfg"
  render "$BENCH/conf/sluice.yaml" "$RUN/sluice-manifests/bench.yaml"
}

# nginx in the foreground (daemon off) so the started pid is the master; -e keeps it from opening
# the system error log before it has read its configuration.
start_nginx() {
  local name="$1" cpu="$2" conf="$3"
  nginx -t -q -p "$RUN/" -e "$RUN/logs/$name.error.log" -c "$conf" \
    || die "$name: nginx -t rejected $conf"
  start_bg "$name" "$cpu" nginx -p "$RUN/" -e "$RUN/logs/$name.error.log" -c "$conf"
}

start_backends() {
  start_nginx backend "$LOAD_CPU" "$RUN/conf/backend-nginx.conf"
  start_bg ws-backend "$LOAD_CPU" node "$BENCH/lib/ws/echo-server.js" "$BACKEND_WS"
  wait_port "$BACKEND_HTTP" 10 backend || die "backend nginx did not start (logs/backend.log)"
  wait_port "$BACKEND_HTTPS" 10 backend || die "backend nginx TLS did not start"
  wait_port "$BACKEND_WS" 10 ws-backend || die "WebSocket backend did not start (logs/ws-backend.log)"
}

# start_proxy TOOL: starts one proxy under test pinned to the proxy CPU. Returns non-zero if it
# did not come up (fatal for nginx and HAProxy, "n/a" for Sluice).
start_proxy() {
  case "$1" in
    nginx)
      start_nginx nginx "$PROXY_CPU" "$RUN/conf/proxy-nginx.conf"
      wait_port "${HTTP_PORT[nginx]}" 10 nginx
      ;;
    haproxy)
      haproxy -c -q -f "$RUN/conf/haproxy.cfg" >"$RUN/logs/haproxy-check.log" 2>&1 \
        || die "haproxy -c rejected the configuration (logs/haproxy-check.log)"
      # -db: foreground, no master process, so the started pid is the one that does the work.
      start_bg haproxy "$PROXY_CPU" haproxy -db -f "$RUN/conf/haproxy.cfg"
      wait_port "${HTTP_PORT[haproxy]}" 10 haproxy
      ;;
    sluice)
      SLUICE_JAVA_OPTS="${SLUICE_JAVA_OPTS:--Dio.netty.eventLoopThreads=1}" \
        start_bg sluice "$PROXY_CPU" "$SLUICE_LAUNCHER" --manifests "$RUN/sluice-manifests" \
        --bind 127.0.0.1 --http-port "${HTTP_PORT[sluice]}" --https-port "${HTTPS_PORT[sluice]}" \
        --admin-port "$SLUICE_ADMIN"
      wait_port "${HTTP_PORT[sluice]}" 60 sluice
      ;;
  esac
}

SLUICE_LAUNCHER="${SLUICE_BIN:-$ROOT/bin/sluice}"

# build_sluice: builds the jar the launcher runs when it is missing or older than the sources
# (so the checkout's code is what gets measured), here rather than inside the launcher so the
# build is neither pinned to the proxy CPU nor counted in start-up time.
build_sluice() {
  [ -x "$SLUICE_LAUNCHER" ] || { log "sluice: no launcher at $SLUICE_LAUNCHER"; return 1; }
  local repo jar
  repo="$(cd "$(dirname "$SLUICE_LAUNCHER")/.." && pwd)"
  jar="$repo/controller/target/sluice.jar"
  if [ -f "$jar" ] && [ -z "$(find "$repo" -path "$repo/bench" -prune -o \( -path '*/src/main/*' \
    -o -name pom.xml \) -type f -newer "$jar" -print -quit)" ]; then
    return 0
  fi
  log "sluice: building the jar in $repo (a minute or two)"
  (cd "$repo" && JAVA_HOME="$(bin/java-home.sh)" ./mvnw -B -q -ntp -DskipTests -pl controller -am package) \
    >"$RUN/logs/sluice-build.log" 2>&1 || { log "sluice: build failed (logs/sluice-build.log)"; return 1; }
  [ -f "$repo/controller/target/sluice.jar" ] || { log "sluice: the build made no controller/target/sluice.jar"; return 1; }
}

# wait_sluice_ready: the listener is up before the manifests are loaded; wait (bounded) until any
# request gets an HTTP answer, so the probes do not race the first snapshot.
wait_sluice_ready() {
  local i code
  for ((i = 0; i < 100; i++)); do
    alive sluice || return 1
    code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' -H "Host: $HOST_TERM" \
      "http://127.0.0.1:${HTTP_PORT[sluice]}/100b" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  # Up but not answering 200 on plain HTTP: still run the probes, each row decides for itself.
  return 0
}

# check_full_handshakes: wrk with the no-resume shim against a listener that logs session reuse;
# any resumed session means the new-connection rows would not measure full handshakes.
check_full_handshakes() {
  LD_PRELOAD="$NO_RESUME_SO" taskset -c "$LOAD_CPU" wrk -t1 -c4 -d1s -H 'Connection: close' \
    -s "$BENCH/lib/wrk-report.lua" "https://$HOST_PASS:$BACKEND_CHECK/100b" \
    >"$RUN/logs/handshake-check.wrk.log" 2>&1 || die "handshake check: wrk failed"
  local full resumed
  full=$(awk '$2 == "."' "$RUN/logs/handshake-check.log" | wc -l)
  resumed=$(awk '$2 == "r"' "$RUN/logs/handshake-check.log" | wc -l)
  [ "$full" -gt 10 ] && [ "$resumed" = 0 ] \
    || die "handshake check: $full full and $resumed resumed handshakes (want only full)"
  log "handshake check: $full connections, all full TLS handshakes ($(awk '{print $1}' "$RUN/logs/handshake-check.log" | sort -u | tr '\n' ' '))"
}
