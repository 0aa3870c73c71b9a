#!/usr/bin/env bash
# Router A/B: two Jetty routers side by side over the same cluster, with HAProxy as the third
# target, to tell whether a change to the router (a build, a JVM option) lowers its cost per
# request by more than this machine's drift. Router A and router B run the router's servlets on
# their own Jetty server, each a Hazelcast client of the same cluster with the same domain.xml and
# its own port; each is warmed up (WARMUP seconds of the request, twice, in turns), then ROUNDS
# rounds measure A, B and HAProxy in alternating order, SECONDS each, with wrk at CONNECTIONS
# connections for a returning user (a valid QOSUID cookie on every request).
#
# For every run it prints requests/s, p50 and p99, the proxy's CPU milliseconds per request
# (/proc/PID/stat), its context switches per request (voluntary and involuntary, summed over its
# threads from /proc/PID/task/*/status) and the two nodes' CPU milliseconds per request; then each
# side's medians (CPU per request, requests/s, the nodes' CPU per request), B/A and each side's
# ratio to HAProxy.
#
#   A_RUNTIME=DIR B_RUNTIME=DIR A_OPTS="..." B_OPTS="..." REQUEST=/path \
#     bench/router-ab.sh [SECONDS] [CONNECTIONS] [ROUNDS] [WARMUP]
#   (defaults: 8, 16, 4, 15; both runtimes cluster-launcher/target/runtime/router, the folder of
#   jars the launcher starts the router from: build a change in another checkout and name its
#   folder as B_RUNTIME; no options; REQUEST /, the store's 5.5 KB page)
#
# With B_FLOOR=1, side B is not a router but the floor of a Java proxy: bench/proxy-floor, a
# reverse proxy on Netty without the router's logic (built with Maven when missing or older than
# its sources; B_OPTS then take -Dfloor.threads=N, -Dfloor.epoll=true and -Dfloor.node-threads=N).
#
# Installs haproxy and wrk with apt-get when missing (as root). Starts its own cluster on ports
# 18371-18392 (Derby on 18927) under var/bench-router-ab, the routers on 18388 and 18389 and
# HAProxy on 18385, and stops everything it started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
state="var/bench-router-ab"
seconds="${1:-8}"
connections="${2:-16}"
rounds="${3:-4}"
warmup="${4:-15}"
a_runtime="${A_RUNTIME:-cluster-launcher/target/runtime/router}"
b_runtime="${B_RUNTIME:-cluster-launcher/target/runtime/router}"
request="${REQUEST:-/}"
ensure_commands haproxy wrk
[ -d cluster-launcher/target/runtime/router ] || mvn -q -B -DskipTests install
floor="${B_FLOOR:-0}"
if [ "$floor" = 1 ]; then
  floor_jar=bench/proxy-floor/target/proxy-floor-1.jar
  { [ -f bench/proxy-floor/target/classpath.txt ] && [ -f "$floor_jar" ] \
    && [ -z "$(find bench/proxy-floor/pom.xml bench/proxy-floor/src -newer "$floor_jar" -print -quit)" ]; } \
    || mvn -q -B -f bench/proxy-floor/pom.xml package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
  b_runtime="bench/proxy-floor"
fi
for d in "$a_runtime" "$b_runtime"; do
  [ -d "$d" ] || { echo "bench: no router runtime folder $d" >&2; exit 2; }
done
tck="$(getconf CLK_TCK)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bin/qoscluster down --state "$state" >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -rf "$state"

bin/qoscluster up --state "$state" \
  -Dqos.router.http.port=18380 -Dqos.router.hazelcast.port=18390 \
  -Dqos.node.http.ports=18381,18382 -Dqos.node.hazelcast.ports=18391,18392 -Dqos.node.db-proxy.ports=18371,18372 \
  -Dqos.db.master.port=18927 -Dqos.db.replica.ports= >/dev/null

# side name port runtime options: a router of the cluster's own configuration on its own port
start_router() {
  local name="$1" port="$2" runtime="$3" opts="$4"
  mkdir -p "$state/$name/tmp"
  sed "s/name=\"payara.microprofile.qos.router.http.port\" value=\"18380\"/name=\"payara.microprofile.qos.router.http.port\" value=\"$port\"/" \
    "$state/members/router/domain.xml" >"$state/$name/domain.xml"
  # shellcheck disable=SC2086 # the options are words
  java -Xmx512m $opts -Djava.io.tmpdir="$state/$name/tmp" -cp "$runtime/*" \
    org.qoscluster.routerserver.RouterServerMain "$state/$name/domain.xml" "$state/secrets" >"$state/$name/router.log" 2>&1 &
  pids+=($!)
  await_page "router $name" "$port" "$state/$name/router.log"
}

# what port log: waits up to 30 s for the page at PORT to answer 200, else ends the benchmark
await_page() {
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/")" = 200 ] && return 0
    sleep 0.1
  done
  echo "bench: $1 did not answer on port $2; see $3" >&2
  exit 1
}
start_router a 18388 "$a_runtime" "${A_OPTS:-}"
a_pid="${pids[-1]}"
if [ "$floor" = 1 ]; then
  mkdir -p "$state/b"
  # shellcheck disable=SC2086 # the options are words
  java -Xmx512m ${B_OPTS:-} -cp "$floor_jar:$(cat bench/proxy-floor/target/classpath.txt)" \
    org.qoscluster.bench.floor.FloorProxy 18389 18381,18382 >"$state/b/floor.log" 2>&1 &
  pids+=($!)
  await_page "the floor proxy" 18389 "$state/b/floor.log"
else
  start_router b 18389 "$b_runtime" "${B_OPTS:-}"
fi
b_pid="${pids[-1]}"

start_haproxy "$state" 18385 18381 18382
pids+=("$haproxy_pid")
h_pid="$haproxy_pid"

cookie="$(uid_cookie "http://127.0.0.1:18380/")"
declare -A URL=([a]="http://127.0.0.1:18388$request" [b]="http://127.0.0.1:18389$request" [haproxy]="http://127.0.0.1:18385$request")
declare -A PID=([a]="$a_pid" [b]="$b_pid" [haproxy]="$h_pid")
node_pids="$(pid_of node-1) $(pid_of node-2)"

switches() { # pid -> context switches of all its threads so far
  cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(voluntary|nonvoluntary)_ctxt_switches/ {s += $2} END {print s + 0}'
}

for _ in 1 2; do
  for side in a b; do wrk -t2 -c"$connections" -d"${warmup}s" -H "Cookie: $cookie" "${URL[$side]}" >/dev/null 2>&1; done
done

echo "router A/B: A=$a_runtime ${A_OPTS:-(no options)}; B=$b_runtime ${B_OPTS:-(no options)}; GET $request, $connections connections, ${seconds} s a run"
echo "round target req/s p50_ms p99_ms cpu_ms_per_req switches_per_req nodes_cpu_ms_per_req"
for r in $(seq 1 "$rounds"); do
  order=(a b haproxy)
  [ $((r % 2)) = 0 ] && order=(haproxy b a)
  for side in "${order[@]}"; do
    p="${PID[$side]}"
    t0="$(ticks "$p")"
    n0="$(ticks $node_pids)"
    s0="$(switches "$p")"
    out="$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Cookie: $cookie" "${URL[$side]}")"
    t1="$(ticks "$p")"
    n1="$(ticks $node_pids)"
    s1="$(switches "$p")"
    set -- $(wrk_figures "$out")
    awk -v r="$r" -v n="$side" -v rps="$1" -v p50="$2" -v p99="$3" -v t=$((t1 - t0)) -v s=$((s1 - s0)) -v nt=$((n1 - n0)) -v hz="$tck" -v d="$seconds" \
      'BEGIN { q = rps * d; printf "%d %s %.1f %.3f %.3f %.4f %.2f %.4f\n", r, n, rps, p50, p99, (q > 0 ? t / hz / q * 1000 : 0),
        (q > 0 ? s / q : 0), (q > 0 ? nt / hz / q * 1000 : 0) }'
  done
done | tee "$state/runs.txt"

col() { median $(awk -v side="$1" -v c="$2" '$2 == side { print $c }' "$state/runs.txt"); } # side column
ma="$(col a 6)"; mb="$(col b 6)"; mh="$(col haproxy 6)"
awk -v a="$ma" -v b="$mb" -v h="$mh" 'BEGIN {
  printf "median CPU ms per request: A %.4f, B %.4f, HAProxy %.4f; B/A %.2f; A/HAProxy %.2f, B/HAProxy %.2f\n", a, b, h, b / a, a / h, b / h }'
awk -v a="$(col a 3)" -v b="$(col b 3)" -v h="$(col haproxy 3)" 'BEGIN {
  printf "median requests/s: A %.0f, B %.0f, HAProxy %.0f; A/HAProxy %.2f, B/HAProxy %.2f\n", a, b, h, a / h, b / h }'
awk -v a="$(col a 8)" -v b="$(col b 8)" -v h="$(col haproxy 8)" 'BEGIN {
  printf "median nodes CPU ms per request: behind A %.4f, B %.4f, HAProxy %.4f\n", a, b, h }'
