# Runs the benchmark mains under controller/src/test/java/dev/sluice/bench/ with the controller's
# test classpath. Sourced by bench/churn.sh and bench/translate.sh (which set RUN and ROOT).

# bench_classpath: compiles main and test sources of dataplane and controller (never installs
# anything into ~/.m2) and prints the controller's test classpath. Build output: logs/classpath.log.
bench_classpath() {
  local cpfile="$ROOT/controller/target/bench-classpath.txt" java_home
  java_home="$("$ROOT/bin/java-home.sh")" || return 1
  (cd "$ROOT" && JAVA_HOME="$java_home" ./mvnw -B -q -ntp -o -pl controller -am test-compile \
    dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test) \
    >"$RUN/logs/classpath.log" 2>&1 || return 1
  [ -s "$cpfile" ] || return 1
  echo "$ROOT/controller/target/test-classes:$ROOT/controller/target/classes:$(cat "$cpfile")"
}
