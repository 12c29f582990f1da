#!/usr/bin/env bash
# The quickstart in one command: builds Sluice, starts two echo backends (127.0.0.1:9001, :9002)
# and serves examples/quickstart/manifests on http://localhost:8080. Ctrl-C stops everything.
# Then, in another terminal:
#   curl -H 'Host: echo.example.test' http://localhost:8080/hello
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
JAVA_HOME="$("$root/bin/java-home.sh")"; export JAVA_HOME
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
"$JAVA_HOME/bin/java" "$here/EchoBackend.java" 9001 echo-a & pids+=($!)
"$JAVA_HOME/bin/java" "$here/EchoBackend.java" 9002 echo-b & pids+=($!)
"$root/bin/sluice" --manifests "$here/manifests" "$@" & pids+=($!)
echo "try: curl -H 'Host: echo.example.test' http://localhost:8080/hello" >&2
wait "${pids[-1]}"
