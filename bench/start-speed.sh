#!/usr/bin/env bash
# The router's speed right after `bin/qoscluster up`, with and without the launcher's warm-up of
# the router and the nodes (qos.router.warm-up-seconds). Each round starts the cluster twice, in
# alternating order: once with the warm-up off (0) and once with WARMUP seconds. Right after `up`
# returns, wrk sends the store's page (GET /) for 10 s at CONNECTIONS connections as first visits
# (no cookie; what a new user sends): "first 10 s". Then LOAD seconds more of the same, unmeasured,
# and 10 s again: "steady", the reference on the same cluster. For each it prints requests/s, p50,
# p99 and the router's CPU ms per request (/proc/PID/stat), then first / steady per start and how
# long `up` took. Hold /tmp/qos-cluster.lock while it runs (it starts clusters of its own).
#
#   bench/start-speed.sh [ROUNDS] [WARMUP] [CONNECTIONS] [LOAD]   (defaults: 1, 10, 16, 60)
#
# Installs wrk with apt-get when missing (as root). Ports 18471-18492 (Derby 18827-18829) under
# var/bench-start-speed; every start is stopped when it has been measured, and at exit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
rounds="${1:-1}"
warm_up="${2:-10}"
connections="${3:-16}"
load="${4:-60}"
state="var/bench-start-speed"
router="http://127.0.0.1:18480"

ensure_commands wrk
[ -d cluster-launcher/target/runtime/cluster-lib ] || mvn -q -B -DskipTests install

cleanup() { bin/qoscluster down --state "$state" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# name -> "rps p50_ms p99_ms router_cpu_ms_per_req"
measure() {
  local pid="$1" out c0 c1 rps
  c0="$(ticks "$pid")"
  out="$(wrk -t2 -c"$connections" -d10s --latency "$router/")"
  c1="$(ticks "$pid")"
  set -- $(wrk_figures "$out")
  rps="$1"
  echo "$1 $2 $3 $(awk -v t="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v r="$rps" 'BEGIN {printf "%.4f", t * 1000 / hz / (r * 10)}')"
}

printf "router speed after up: GET /, first visits, %s connections; warm-up %s s against none; steady after %s s of load\n" \
  "$connections" "$warm_up" "$load"
printf "%-5s %-8s %-6s %-34s %-34s %s\n" round warm-up up_s "first 10 s: req/s p50 p99 cpu" "steady: req/s p50 p99 cpu" first/steady
for round in $(seq 1 "$rounds"); do
  order="0 $warm_up"
  [ $((round % 2)) -eq 0 ] && order="$warm_up 0"
  for w in $order; do
    rm -rf "$state"
    t0="$(date +%s.%N)"
    bin/qoscluster up --state "$state" -Dqos.router.warm-up-seconds="$w" \
      -Dqos.router.http.port=18480 -Dqos.router.hazelcast.port=18490 \
      -Dqos.node.http.ports=18481,18482 -Dqos.node.hazelcast.ports=18491,18492 -Dqos.node.db-proxy.ports=18471,18472 \
      -Dqos.db.master.port=18827 -Dqos.db.replica.ports=18828,18829 ${BENCH_UP_OPTS:-} >"$state.up.log" 2>&1 \
      || { tail -20 "$state.up.log" >&2; exit 1; }
    up_s="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')"
    pid="$(pid_of router)"
    first="$(measure "$pid")"
    wrk -t2 -c"$connections" -d"${load}s" "$router/" >/dev/null
    steady="$(measure "$pid")"
    ratio="$(awk -v a="${first%% *}" -v b="${steady%% *}" 'BEGIN {printf "%.2f", a / b}')"
    printf "%-5s %-8s %-6s %-34s %-34s %s\n" "$round" "$w s" "$up_s" "$first" "$steady" "$ratio"
    bin/qoscluster down --state "$state" >/dev/null 2>&1
  done
done
