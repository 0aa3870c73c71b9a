#!/usr/bin/env bash
# Router overhead benchmark: what the QoS-goal router (QRS) costs per request, against a direct
# request to a node and HAProxy over the same two nodes, in one run on loopback.
#
# Requests: the store's page (GET /, about 5.5 KB, no database), a tiny JSON answer with no
# database (GET /api/ping) and a catalogue read (GET /api/products/42, one database query).
# Targets: direct to node-1; HAProxy 2.x (leastconn, http-reuse always, over both nodes); the QRS
# for a returning user (a valid QOSUID cookie on every request) and for first visits (no cookie:
# a new identity each time); and the router member's own floor (GET /qrs/alive, answered by the
# router's servlet container without forwarding). Clients: wrk at CONNECTIONS connections
# (throughput, the machine saturated) and at one connection (latency: what one hop adds when
# nothing queues). Targets alternate within each round, ROUNDS rounds.
#
# For every run it prints requests/s, p50 and p99, and the CPU seconds per 1,000 requests of the
# proxy in the path (router or HAProxy, from /proc/PID/stat) and of the two nodes together; then
# the ratios QRS/HAProxy (requests/s), QRS - direct (p50) and router/HAProxy (CPU per request).
# Before any warm-up it measures the router's first 10 s after `up` (first visits to the page,
# CONNECTIONS connections) as its own row.
#
# Installs haproxy and wrk with apt-get when missing (as root). Starts its own cluster on ports
# 18071-18092 under var/bench and stops everything it started.
#
#   bench/router-overhead.sh [SECONDS_PER_RUN] [CONNECTIONS] [ROUNDS] [WARMUP_SECONDS]
#   (defaults: 8, 16, 2, 10)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-8}"
connections="${2:-16}"
rounds="${3:-2}"
warmup="${4:-10}"
state="var/bench"
router="http://127.0.0.1:18080"
node1="http://127.0.0.1:18081"
proxy="http://127.0.0.1:18085"

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

router_pid="$(pid_of router)"
node_pids="$(pid_of node-1) $(pid_of node-2)"
tck="$(getconf CLK_TCK)"

# The router's first 10 s after start: first visits to the page, before anything warmed it up.
cold="$(wrk -t2 -c"$connections" -d10s --latency "$router/" 2>&1)"
echo "$cold" >"$state/wrk-cold.txt"

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
  balance leastconn
  option httpchk GET /qos-group/health
  server node-1 127.0.0.1:18081 check inter 500
  server node-2 127.0.0.1:18082 check inter 500
CFG
haproxy -f "$state/haproxy.cfg" -db >"$state/haproxy.log" 2>&1 &
haproxy_pid=$!
sleep 2

# A returning user: the router's identity cookie, sent with every request.
cookie="$(curl -s -D - -o /dev/null "$router/" | tr -d '\r' | sed -n 's/^Set-Cookie: \(QOSUID=[^;]*\).*/\1/p')"
[ -n "$cookie" ] || { echo "bench: the router issued no QOSUID cookie" >&2; exit 1; }

# name url connections [cookie] -> "name rps p50_ms p99_ms proxy_cpu_s_per_1k nodes_cpu_s_per_1k"
run() {
  local name="$1" url="$2" c="$3" header=() t=2 out p0 p1 n0 n1 proxy_pid=""
  [ -n "${4:-}" ] && header=(-H "Cookie: $4")
  [ "$c" -lt 2 ] && t=1
  case "$name" in qrs*|floor) proxy_pid="$router_pid" ;; haproxy) proxy_pid="$haproxy_pid" ;; esac
  p0="$([ -n "$proxy_pid" ] && ticks "$proxy_pid" || echo 0)"
  n0="$(ticks $node_pids)"
  out="$(wrk -t"$t" -c"$c" -d"${seconds}s" --latency "${header[@]}" "$url")"
  p1="$([ -n "$proxy_pid" ] && ticks "$proxy_pid" || echo 0)"
  n1="$(ticks $node_pids)"
  echo "$out" >>"$state/wrk-$name-c$c.txt"
  set -- $(wrk_figures "$out")
  awk -v n="$name" -v r="$1" -v p50="$2" -v p99="$3" -v pt=$((p1 - p0)) -v nt=$((n1 - n0)) -v hz="$tck" -v s="$seconds" \
    'BEGIN { q = r * s; printf "%s %.1f %.3f %.3f %.4f %.4f\n", n, r, p50, p99, (q > 0 ? pt / hz / q * 1000 : 0), (q > 0 ? nt / hz / q * 1000 : 0) }'
}

warm() { # url [cookie]
  local header=()
  [ -n "${2:-}" ] && header=(-H "Cookie: $2")
  wrk -t2 -c"$connections" -d"${warmup}s" "${header[@]}" "$1" >/dev/null 2>&1
}

requests=("/" "/api/ping" "/api/products/42")
for path in "${requests[@]}"; do
  warm "$node1$path"; warm "$proxy$path"; warm "$router$path" "$cookie"; warm "$router$path"
done
warm "$router/qrs/alive"

table() { # title, then lines from run
  local title="$1"
  shift
  echo
  echo "$title"
  printf "%-12s %11s %9s %9s %16s %16s\n" target "requests/s" "p50 ms" "p99 ms" "proxy CPU s/1k" "nodes CPU s/1k"
  local line
  for line in "$@"; do
    set -- $line
    printf "%-12s %11.1f %9.3f %9.3f %16.4f %16.4f\n" "$1" "$2" "$3" "$4" "$5" "$6"
  done
}

ratios() { # direct haproxy qrs-returning qrs-first
  set -- "$1" "$2" "$3" "$4"
  local d=($1) h=($2) r=($3) f=($4)
  awk -v dr="${d[1]}" -v dp="${d[2]}" -v hr="${h[1]}" -v hc="${h[4]}" \
      -v rr="${r[1]}" -v rp="${r[2]}" -v rc="${r[4]}" -v fr="${f[1]}" -v fp="${f[2]}" -v fc="${f[4]}" 'BEGIN {
    printf "QRS/HAProxy requests/s: returning %.2f, first visit %.2f (target >= 0.6 on the page)\n", rr / hr, fr / hr
    printf "QRS - direct p50: returning %.3f ms, first visit %.3f ms (target <= 0.5 ms at 1 connection)\n", rp - dp, fp - dp
    if (hc > 0) printf "router/HAProxy CPU per request: returning %.2f, first visit %.2f (target <= 3)\n", rc / hc, fc / hc
  }'
}

echo "QRS, HAProxy and direct over the same two nodes; $(nproc) cores; ${seconds} s per run, ${rounds} round(s), ${warmup} s warm-up per target"
set -- $(wrk_figures "$cold")
printf "\nRouter's first 10 s after up (GET /, first visits, %s connections): %.1f requests/s, p50 %.3f ms, p99 %.3f ms\n" "$connections" "$1" "$2" "$3"
for round in $(seq 1 "$rounds"); do
  for c in "$connections" 1; do
    for path in "${requests[@]}"; do
      direct="$(run direct "$node1$path" "$c")"
      haproxy="$(run haproxy "$proxy$path" "$c")"
      returning="$(run qrs-return "$router$path" "$c" "$cookie")"
      first="$(run qrs-first "$router$path" "$c")"
      table "round $round: GET $path, $c connection(s)" "$direct" "$haproxy" "$returning" "$first"
      ratios "$direct" "$haproxy" "$returning" "$first"
    done
    floor="$(run floor "$router/qrs/alive" "$c")"
    table "round $round: the router member's floor, GET /qrs/alive (no forwarding), $c connection(s)" "$floor"
  done
done
