#!/usr/bin/env bash
# Prints a JAVA_HOME whose java is >= 21: $JAVA_HOME if it qualifies, else the newest under
# /usr/lib/jvm (and /Library/Java/JavaVirtualMachines on macOS). Exits 1 when none is found.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
if [ -n "${JAVA_HOME:-}" ] && [ "$(java_major "$JAVA_HOME" 2>/dev/null || echo 0)" -ge 21 ] 2>/dev/null; then
  echo "$JAVA_HOME"; exit 0
fi
best=""; best_v=0
for candidate in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
  [ -x "$candidate/bin/java" ] || continue
  v=$(java_major "$candidate" 2>/dev/null); v=${v:-0}
  if [ "$v" -ge 21 ] 2>/dev/null && [ "$v" -gt "$best_v" ]; then best="$candidate"; best_v=$v; fi
done
if [ -z "$best" ] && command -v java >/dev/null; then
  home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  [ "$(java_major "$home" 2>/dev/null || echo 0)" -ge 21 ] 2>/dev/null && best="$home"
fi
[ -n "$best" ] || { echo "no JDK >= 21 found: install one or set JAVA_HOME" >&2; exit 1; }
echo "$best"
