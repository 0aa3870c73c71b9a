# Shared by the benchmark scripts (sourced, not run).

# Installs the Debian packages named like the commands given, when a command is missing (as root).
ensure_commands() {
  local missing=()
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench: installing ${missing[*]} (Debian packages)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# wrk latency (e.g. 812.00us, 1.20ms, 2.01s) -> milliseconds
ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

# wrk --latency output -> "requests/s p50_ms p99_ms"
wrk_figures() {
  echo "$(echo "$1" | awk '/^Requests\/sec:/ {print $2}') $(ms "$(echo "$1" | awk '$1 == "50%" {print $2}')") $(ms "$(echo "$1" | awk '$1 == "99%" {print $2}')")"
}

# Runs benchmark class CLASS of arquillian-tests with ARGS and, last, its state folder STATE/run;
# builds what is missing first and empties STATE. Call from the repository root.
run_java_benchmark() {
  local state="$1" class="$2"
  shift 2
  if [ ! -d cluster-launcher/target/runtime/cluster-lib ] || [ ! -d arquillian-tests/target/classes ]; then
    mvn -q -B -DskipTests install
  fi
  rm -rf "$state"
  mkdir -p "$state"
  mvn -q -B -pl arquillian-tests dependency:build-classpath -Dmdep.outputFile="$PWD/$state/classpath.txt" >/dev/null
  java ${BENCH_JAVA_OPTS:-} -Dqos.runtime.dir="$PWD/cluster-launcher/target/runtime" -Dqos.test.state.dir="$PWD/$state" \
    -cp "arquillian-tests/target/classes:$(cat "$state/classpath.txt")" "$class" "$@" "$PWD/$state/run"
}

# The pid of part NAME of the cluster whose state directory is $state (its pid file).
pid_of() { sed -n 's/^pid=//p' "$state/run/$1.pid"; }

# CPU ticks (user + system) the processes PID... have used together: fields 14 and 15 of
# /proc/PID/stat, counted after the command name in parentheses (which may hold spaces, as NSD's
# "nsd: server 1" does).
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}'))); done; echo "$t"; }

# A returning user's cookie, QOSUID=..., as the router at URL issues it to a first visit; exits
# the benchmark when it issues none.
uid_cookie() { # url -> QOSUID=VALUE
  local c
  c="$(curl -s -D - -o /dev/null "$1" | tr -d '\r' | sed -n 's/^Set-Cookie: \(QOSUID=[^;]*\).*/\1/p')"
  [ -n "$c" ] || { echo "bench: the router at $1 issued no QOSUID cookie" >&2; exit 1; }
  echo "$c"
}

# The median of the numbers given.
median() { # values... -> median
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Starts HAProxy as the reference proxy over the two nodes of a cluster on 127.0.0.1: listening on
# PORT, leastconn, connections to the nodes reused, each node's health page checked every 500 ms;
# its configuration and log under STATE. Sets haproxy_pid.
start_haproxy() { # state port node1_port node2_port
  cat >"$1/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend store
  bind 127.0.0.1:$2
  default_backend nodes
backend nodes
  balance leastconn
  option httpchk GET /qos-group/health
  server node-1 127.0.0.1:$3 check inter 500
  server node-2 127.0.0.1:$4 check inter 500
CFG
  haproxy -f "$1/haproxy.cfg" -db >"$1/haproxy.log" 2>&1 &
  haproxy_pid=$!
  sleep 2
}
