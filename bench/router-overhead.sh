#!/usr/bin/env bash
# Router overhead benchmark: the same small catalogue GET (GET /api/products/42), in one run on
# loopback, sent
#   1. directly to node-1,
#   2. through HAProxy (Debian package, round robin over both nodes, pooled connections),
#   3. through the QoS-goal router (QRS),
# with wrk, twice: at CONNECTIONS concurrent connections (throughput, the machine saturated)
# and at one connection (latency: what one hop adds when nothing queues). Prints requests/s,
# p50 and p99 for each, and the ratios QRS/direct and QRS/HAProxy. Installs haproxy and wrk with apt-get when missing (as root).
# Starts its own cluster on ports 18080-18092 under var/bench and stops everything it started.
#
#   bench/router-overhead.sh [SECONDS_PER_RUN] [CONNECTIONS] [WARMUP_SECONDS]   (defaults: 20, 16, 15)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-20}"
connections="${2:-16}"
warmup="${3:-15}"
state="var/bench"
path="/api/products/42"

ensure_commands haproxy wrk

haproxy_pid=""
cleanup() {
  [ -n "$haproxy_pid" ] && kill "$haproxy_pid" 2>/dev/null || true
  bin/qoscluster down --state "$state" >/dev/null 2>&1 || true
}
trap cleanup EXIT

bin/qoscluster up --state "$state" \
  -Dqos.router.http.port=18080 -Dqos.router.hazelcast.port=18090 \
  -Dqos.node.http.ports=18081,18082 -Dqos.node.hazelcast.ports=18091,18092 -Dqos.node.db-proxy.ports=18071,18072 \
  -Dqos.db.master.port=18527 -Dqos.db.replica.ports= >/dev/null

cat > "$state/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend store
  bind 127.0.0.1:18085
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /api/health
  server node-1 127.0.0.1:18081 check inter 500
  server node-2 127.0.0.1:18082 check inter 500
CFG
haproxy -f "$state/haproxy.cfg" -db >"$state/haproxy.log" 2>&1 &
haproxy_pid=$!
sleep 2

# A returning user: the router's identity cookie, sent with every request.
cookie="$(curl -s -D - -o /dev/null "http://127.0.0.1:18080$path" | tr -d '\r' | sed -n 's/^Set-Cookie: \(QOSUID=[^;]*\).*/\1/p')"

run() { # name url connections -> "name rps p50_ms p99_ms"
  local name="$1" url="$2" c="$3" t=2 out
  [ "$c" -lt 2 ] && t=1
  wrk -t"$t" -c"$c" -d"${warmup}s" -H "Cookie: $cookie" "$url" >/dev/null 2>&1   # warm-up (JIT)
  out="$(wrk -t"$t" -c"$c" -d"${seconds}s" --latency -H "Cookie: $cookie" "$url")"
  echo "$out" >"$state/wrk-$name-c$c.txt"
  echo "$name $(wrk_figures "$out")"
}

report() { # connections
  local c="$1" direct haproxy qrs
  direct="$(run direct "http://127.0.0.1:18081$path" "$c")"
  haproxy="$(run haproxy "http://127.0.0.1:18085$path" "$c")"
  qrs="$(run qrs "http://127.0.0.1:18080$path" "$c")"
  echo
  echo "GET $path, $c connection(s), ${seconds} s per target, $(nproc) cores"
  printf "%-8s %12s %10s %10s\n" target "requests/s" "p50 ms" "p99 ms"
  for line in "$direct" "$haproxy" "$qrs"; do
    set -- $line
    printf "%-8s %12.1f %10.3f %10.3f\n" "$1" "$2" "$3" "$4"
  done
  set -- $direct; local d_rps=$2 d_p50=$3
  set -- $haproxy; local h_rps=$2 h_p50=$3
  set -- $qrs; local q_rps=$2 q_p50=$3
  awk -v q="$q_rps" -v d="$d_rps" -v h="$h_rps" -v qp="$q_p50" -v dp="$d_p50" -v hp="$h_p50" 'BEGIN {
    printf "QRS/direct throughput %.2f, QRS/HAProxy throughput %.2f (target >= 0.70)\n", q / d, q / h
    printf "QRS added p50 vs direct %.3f ms, vs HAProxy %.3f ms (target <= 0.5 ms at 1 connection)\n", qp - dp, qp - hp
  }'
}

report "$connections"
report 1
