#!/usr/bin/env bash
# Router overhead benchmark: what the QoS-goal router (QRS) costs per request, against a direct
# request to a node and HAProxy over the same two nodes, in one run on loopback; the router's
# servlets on their own Jetty server (the default) and on Payara Micro, side by side.
#
# Requests: the store's page (GET /, about 5.5 KB, no database), a tiny JSON answer with no
# database (GET /api/ping) and a catalogue read (GET /api/products/42, one database query).
# Targets: direct to node-1; HAProxy 2.x (leastconn, http-reuse always, over both nodes); the QRS
# on Jetty and the QRS on Payara Micro, each for a returning user (a valid QOSUID cookie on every
# request) and for first visits (no cookie: a new identity each time); and each router's own
# floor (GET /qrs/alive, answered without forwarding). The cluster runs the Payara router
# (qos.router.server=payara); the Jetty router is started beside it from the same build, with
# the same domain.xml but its own port, a Hazelcast client of the same cluster. Clients: wrk at
# CONNECTIONS connections (throughput, the machine saturated) and at one connection (latency:
# what one hop adds when nothing queues). Targets alternate within each round, ROUNDS rounds.
#
# For every run it prints requests/s, p50 and p99, and the CPU seconds per 1,000 requests of the
# proxy in the path (router or HAProxy, from /proc/PID/stat) and of the two nodes together; then
# the ratios QRS/HAProxy (requests/s), QRS - direct (p50) and router/HAProxy (CPU per request),
# for each router. Before any warm-up it measures each router's first 10 s after start (first
# visits to the page, CONNECTIONS connections) as its own row: the cluster starts without the
# launcher's warm-up (qos.router.warm-up-seconds=0; bench/start-speed.sh measures what it buys).
#
# Installs haproxy and wrk with apt-get when missing (as root). Starts its own cluster on ports
# 18071-18092 under var/bench and stops everything it started.
#
#   bench/router-overhead.sh [SECONDS_PER_RUN] [CONNECTIONS] [ROUNDS] [WARMUP_SECONDS]
#   (defaults: 8, 16, 2, 10)
# BENCH_UP_OPTS: further settings for the cluster's start, e.g.
#   BENCH_UP_OPTS=-Dqos.http.io-strategy=worker-thread (the nodes' listeners as Payara's default)
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
jetty="http://127.0.0.1:18088"
node1="http://127.0.0.1:18081"
proxy="http://127.0.0.1:18085"

ensure_commands haproxy wrk

haproxy_pid=""
jetty_pid=""
cleanup() {
  [ -n "$haproxy_pid" ] && kill "$haproxy_pid" 2>/dev/null || true
  [ -n "$jetty_pid" ] && kill "$jetty_pid" 2>/dev/null || true
  bin/qoscluster down --state "$state" >/dev/null 2>&1 || true
}
trap cleanup EXIT

bin/qoscluster up --state "$state" -Dqos.router.server=payara -Dqos.router.warm-up-seconds=0 \
  -Dqos.router.http.port=18080 -Dqos.router.hazelcast.port=18090 \
  -Dqos.node.http.ports=18081,18082 -Dqos.node.hazelcast.ports=18091,18092 -Dqos.node.db-proxy.ports=18071,18072 \
  -Dqos.db.master.port=18527 -Dqos.db.replica.ports= ${BENCH_UP_OPTS:-} >/dev/null

router_pid="$(pid_of router)"
node_pids="$(pid_of node-1) $(pid_of node-2)"
tck="$(getconf CLK_TCK)"

# The router's first 10 s after start: first visits to the page, before anything warmed it up.
cold="$(wrk -t2 -c"$connections" -d10s --latency "$router/" 2>&1)"
echo "$cold" >"$state/wrk-cold.txt"

# The Jetty router: the launcher's own command for it, on port 18088, once the cluster runs.
mkdir -p "$state/jetty/tmp"
sed 's/name="payara.microprofile.qos.router.http.port" value="18080"/name="payara.microprofile.qos.router.http.port" value="18088"/' \
  "$state/members/router/domain.xml" >"$state/jetty/domain.xml"
java -Xmx512m -Djava.io.tmpdir="$state/jetty/tmp" -cp "cluster-launcher/target/runtime/router/*" \
  org.qoscluster.routerserver.RouterServerMain "$state/jetty/domain.xml" "$state/secrets" >"$state/jetty/router.log" 2>&1 &
jetty_pid=$!
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$jetty/")" = 200 ] && break
  sleep 0.1
done
cold_jetty="$(wrk -t2 -c"$connections" -d10s --latency "$jetty/" 2>&1)"
echo "$cold_jetty" >"$state/wrk-cold-jetty.txt"

start_haproxy "$state" 18085 18081 18082

# A returning user: the router's identity cookie, sent with every request (both routers share the key).
cookie="$(uid_cookie "$router/")"
[ -z "$(curl -s -D - -o /dev/null -H "Cookie: $cookie" "$jetty/" | grep -i '^Set-Cookie: QOSUID')" ] \
  || { echo "bench: the Jetty router does not take the Payara router's cookie" >&2; exit 1; }

# name url connections [cookie] -> "name rps p50_ms p99_ms proxy_cpu_s_per_1k nodes_cpu_s_per_1k"
run() {
  local name="$1" url="$2" c="$3" header=() t=2 out p0 p1 n0 n1 proxy_pid=""
  [ -n "${4:-}" ] && header=(-H "Cookie: $4")
  [ "$c" -lt 2 ] && t=1
  case "$name" in payara*) proxy_pid="$router_pid" ;; jetty*) proxy_pid="$jetty_pid" ;; haproxy) proxy_pid="$haproxy_pid" ;; esac
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
  warm "$jetty$path" "$cookie"; warm "$jetty$path"
done
warm "$router/qrs/alive"; warm "$jetty/qrs/alive"

table() { # title, then lines from run
  local title="$1"
  shift
  echo
  echo "$title"
  printf "%-14s %11s %9s %9s %16s %16s\n" target "requests/s" "p50 ms" "p99 ms" "proxy CPU s/1k" "nodes CPU s/1k"
  local line
  for line in "$@"; do
    set -- $line
    printf "%-14s %11.1f %9.3f %9.3f %16.4f %16.4f\n" "$1" "$2" "$3" "$4" "$5" "$6"
  done
}

ratios() { # router-name direct haproxy qrs-returning qrs-first
  local who="$1"
  shift
  local d=($1) h=($2) r=($3) f=($4)
  awk -v who="$who" -v dr="${d[1]}" -v dp="${d[2]}" -v hr="${h[1]}" -v hc="${h[4]}" \
      -v rr="${r[1]}" -v rp="${r[2]}" -v rc="${r[4]}" -v fr="${f[1]}" -v fp="${f[2]}" -v fc="${f[4]}" 'BEGIN {
    printf "%s: QRS/HAProxy requests/s: returning %.2f, first visit %.2f (target >= 0.6 on the page)\n", who, rr / hr, fr / hr
    printf "%s: QRS - direct p50: returning %.3f ms, first visit %.3f ms (target <= 0.5 ms at 1 connection)\n", who, rp - dp, fp - dp
    if (hc > 0) printf "%s: router/HAProxy CPU per request: returning %.2f, first visit %.2f (target <= 3)\n", who, rc / hc, fc / hc
  }'
}

echo "QRS on Jetty and on Payara Micro, HAProxy and direct over the same two nodes; $(nproc) cores; ${seconds} s per run, ${rounds} round(s), ${warmup} s warm-up per target"
set -- $(wrk_figures "$cold")
printf "\nPayara router's first 10 s after up (GET /, first visits, %s connections): %.1f requests/s, p50 %.3f ms, p99 %.3f ms\n" "$connections" "$1" "$2" "$3"
set -- $(wrk_figures "$cold_jetty")
printf "Jetty router's first 10 s after its start (GET /, first visits, %s connections): %.1f requests/s, p50 %.3f ms, p99 %.3f ms\n" "$connections" "$1" "$2" "$3"
for round in $(seq 1 "$rounds"); do
  for c in "$connections" 1; do
    for path in "${requests[@]}"; do
      direct="$(run direct "$node1$path" "$c")"
      haproxy="$(run haproxy "$proxy$path" "$c")"
      j_returning="$(run jetty-return "$jetty$path" "$c" "$cookie")"
      j_first="$(run jetty-first "$jetty$path" "$c")"
      p_returning="$(run payara-return "$router$path" "$c" "$cookie")"
      p_first="$(run payara-first "$router$path" "$c")"
      table "round $round: GET $path, $c connection(s)" "$direct" "$haproxy" "$j_returning" "$j_first" "$p_returning" "$p_first"
      ratios jetty "$direct" "$haproxy" "$j_returning" "$j_first"
      ratios payara "$direct" "$haproxy" "$p_returning" "$p_first"
    done
    table "round $round: each router's floor, GET /qrs/alive (no forwarding), $c connection(s)" \
      "$(run jetty-floor "$jetty/qrs/alive" "$c")" "$(run payara-floor "$router/qrs/alive" "$c")"
  done
done
