#!/usr/bin/env bash
# Overload benchmark: goals per service class when two nodes are offered about twice what they
# serve, through the QoS-goal router (QRS) and through HAProxy over the same two nodes, in one run.
#
# The nodes' capacity is made small and stable so that twice it is reachable on a small machine
# without the load generator or the proxy being the bottleneck: every store answer waits DELAY ms
# (the store's test switch, PUT /test/delay) and each node takes at most CAPACITY requests at a
# time: the router's qos.router.node-capacity, and `maxconn CAPACITY` per server in HAProxy
# (leastconn, http-reuse always; what waits beyond it queues in HAProxy, `timeout queue 1s`, then
# 503). The goals are the shipped ones (browse p95 200 ms, checkout p95 800 ms at priority 90),
# with browse at priority 0, so that under overload browse may fill half of a node
# (floor(CAPACITY x 0.5)) and checkout up to floor(CAPACITY x 0.95).
#
# First a 15 s warm-up of the nodes through HAProxy (both classes, at the bound the delay and
# the limit set: 2 x CAPACITY x 1000 / DELAY requests/s), then the capacity: closed-loop
# catalogue reads through HAProxy at 2 x CAPACITY connections per node (wrk). Then the
# generator (arquillian-tests' OverloadBenchmark, open loop: a fixed arrival rate whatever the
# answers do) offers twice that, CHECKOUT_SHARE % of it checkout
# (POST /api/cart/items, a new shopper each) and the rest browse (GET /api/products/42), to
# HAProxy and to the QRS in turn, ROUNDS rounds of SECONDS each, after a 10 s warm-up of each
# with the same load. Per class and target it prints the offered and the answered (2xx)
# requests/s, p50, p95 and p99 of the answered ones, the share of the offered requests
# answered within the class's goal, the shed (503) and failed (anything else, time-outs
# included) requests/s; per target the proxy's CPU per request (router or HAProxy, from
# /proc/PID/stat). Target: through the QRS, checkout keeps its goal (p95 within 800 ms, at least
# 99 % of the offered within it) and browse is shed first; through HAProxy both classes degrade
# together.
#
# Installs haproxy and wrk with apt-get when missing (as root). Starts its own cluster on ports
# 18171-18192 under var/bench-overload and stops everything it started. Hold the shared cluster
# lock: flock /tmp/qos-cluster.lock bench/overload.sh
#
#   bench/overload.sh [SECONDS] [ROUNDS]   (defaults: 15, 2)
#   environment: DELAY (ms, default 100), CAPACITY (default 8), CHECKOUT_SHARE (%, default 12)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-15}"
rounds="${2:-2}"
delay="${DELAY:-100}"
capacity="${CAPACITY:-8}"
checkout_share="${CHECKOUT_SHARE:-12}"
browse_goal=200
checkout_goal=800
state="var/bench-overload"
router="http://127.0.0.1:18180"
node1="http://127.0.0.1:18181"
node2="http://127.0.0.1:18182"
proxy="http://127.0.0.1:18185"

ensure_commands haproxy wrk
if [ ! -f arquillian-tests/target/classes/org/qoscluster/testing/OverloadBenchmark.class ]; then
  mvn -q -B -DskipTests install
fi

haproxy_pid=""
cleanup() {
  [ -n "$haproxy_pid" ] && kill "$haproxy_pid" 2>/dev/null || true
  bin/qoscluster down --state "$state" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Every shopper comes from this machine's address, so the nodes' limit on new sessions per
# address is off (otherwise checkout gets 429 once a node has made its burst of sessions).
# A fresh state: an existing router domain.xml would keep its own goals over the ones given here.
bin/qoscluster down --state "$state" >/dev/null 2>&1 || true
rm -rf "$state"
bin/qoscluster up --state "$state" \
  -Dqos.router.http.port=18180 -Dqos.router.hazelcast.port=18190 \
  -Dqos.node.http.ports=18181,18182 -Dqos.node.hazelcast.ports=18191,18192 -Dqos.node.db-proxy.ports=18171,18172 \
  -Dqos.db.master.port=18627 -Dqos.db.replica.ports= \
  -Dqos.node.test-switches=true -Dqos.router.node-capacity="$capacity" -Dqos.router.health.timeout-ms=3000 \
  -Dqos.session.new-per-address-per-minute=0 \
  -Dqos.class.browse.p95-ms="$browse_goal" -Dqos.class.browse.priority=0 \
  -Dqos.class.checkout.p95-ms="$checkout_goal" -Dqos.class.checkout.priority=90 >/dev/null

for n in "$node1" "$node2"; do
  status="$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$n/test/delay?millis=$delay")"
  [ "$status" = 204 ] || { echo "bench: PUT $n/test/delay answered $status" >&2; exit 1; }
done

router_pid="$(pid_of router)"
tck="$(getconf CLK_TCK)"

cat > "$state/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout queue 1s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend store
  bind 127.0.0.1:18185
  default_backend nodes
backend nodes
  balance leastconn
  option httpchk GET /qos-group/health
  server node-1 127.0.0.1:18181 check inter 500 maxconn $capacity
  server node-2 127.0.0.1:18182 check inter 500 maxconn $capacity
CFG
haproxy -f "$state/haproxy.cfg" -db >"$state/haproxy.log" 2>&1 &
haproxy_pid=$!
sleep 2

generate() { # url seconds browse_per_s checkout_per_s
  java ${BENCH_JAVA_OPTS:-} -cp arquillian-tests/target/classes org.qoscluster.testing.OverloadBenchmark \
    "$1" "$2" "$3" "$4" "$browse_goal" "$checkout_goal"
}

# Warm nodes first (JIT, pools, both request kinds), then their capacity: as many catalogue
# reads as they answer, closed loop, through HAProxy.
bound="$(awk -v c="$capacity" -v d="$delay" 'BEGIN { printf "%.1f", 2 * c * 1000 / d }')"
generate "$proxy" 15 "$(awk -v b="$bound" -v p="$checkout_share" 'BEGIN { printf "%.1f", b * (100 - p) / 100 }')" \
  "$(awk -v b="$bound" -v p="$checkout_share" 'BEGIN { printf "%.1f", b * p / 100 }')" >/dev/null
cap_out="$(wrk -t2 -c$((4 * capacity)) -d"${seconds}s" --latency "$proxy/api/products/42")"
echo "$cap_out" >"$state/wrk-capacity.txt"
read -r served cap_p50 cap_p99 <<<"$(wrk_figures "$cap_out")"
offered="$(awk -v s="$served" 'BEGIN { printf "%.0f", 2 * s }')"
checkout_rate="$(awk -v o="$offered" -v p="$checkout_share" 'BEGIN { printf "%.1f", o * p / 100 }')"
browse_rate="$(awk -v o="$offered" -v c="$checkout_rate" 'BEGIN { printf "%.1f", o - c }')"

# Warm-up of both proxies (JIT, pools, the shedding path) with the load of the rounds.
generate "$proxy" 10 "$browse_rate" "$checkout_rate" >/dev/null
generate "$router" 10 "$browse_rate" "$checkout_rate" >/dev/null

run() { # name url -> the generator's lines, each prefixed with name and ending with proxy CPU ms/request
  local name="$1" url="$2" pid p0 p1 out
  case "$name" in qrs) pid="$router_pid" ;; haproxy) pid="$haproxy_pid" ;; esac
  p0="$(ticks "$pid")"
  out="$(generate "$url" "$seconds" "$browse_rate" "$checkout_rate")"
  p1="$(ticks "$pid")"
  echo "$out" >>"$state/generator-$name.txt"
  echo "$out" | awk -v n="$name" -v t=$((p1 - p0)) -v hz="$tck" -v s="$seconds" '
    { lines[NR] = $0; total += $2 * s }
    END { for (i = 1; i <= NR; i++) printf "%s %s %.3f\n", n, lines[i], (total > 0 ? t / hz / total * 1000 : 0) }'
}

echo "QRS and HAProxy over the same two nodes; $(nproc) cores; node answers delayed ${delay} ms, at most ${capacity} requests in flight per node"
printf "capacity (closed loop through HAProxy, %d connections, GET /api/products/42): %.1f requests/s, p50 %.1f ms, p99 %.1f ms (bound %s)\n" \
  $((4 * capacity)) "$served" "$cap_p50" "$cap_p99" "$bound"
echo "offered: ${offered} requests/s (2x), browse ${browse_rate}/s (goal p95 ${browse_goal} ms, priority 0), checkout ${checkout_rate}/s (goal p95 ${checkout_goal} ms, priority 90); ${seconds} s per run, ${rounds} round(s)"
for round in $(seq 1 "$rounds"); do
  lines="$(run haproxy "$proxy"; run qrs "$router")"
  echo
  echo "round $round"
  printf "%-8s %-9s %9s %9s %8s %8s %8s %11s %8s %8s %13s  %s\n" target class "offered/s" "2xx/s" "p50 ms" "p95 ms" "p99 ms" "within goal" "shed/s" "failed/s" "proxy CPU ms" failures
  echo "$lines" | awk '{ printf "%-8s %-9s %9.1f %9.1f %8.1f %8.1f %8.1f %10.2f%% %8.1f %8.1f %13.3f  %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $11 }'
  echo "$lines" | awk -v g="$checkout_goal" '
    $1 == "qrs" && $2 == "checkout" { met = ($6 <= g && $8 >= 99); printf "target (QRS: checkout p95 <= %d ms and >= 99%% within goal): %s (p95 %.1f ms, %.2f%% within goal)\n", g, (met ? "met" : "NOT met"), $6, $8 }
    $1 == "qrs" && $2 == "browse" { qb = $9 }
    $1 == "qrs" && $2 == "checkout" { qc = $9 }
    END { printf "shed first (QRS): browse %.1f/s, checkout %.1f/s shed\n", qb, qc }'
done
