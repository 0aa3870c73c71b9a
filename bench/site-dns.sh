#!/usr/bin/env bash
# Site DNS benchmark: the site DNS server (site-dns, on the JVM) against NSD serving a static zone
# with the same name and the same answer, in one run on loopback.
#
# Both answer `shop.example.test. A` with the same two A records (TTL 5, no authority section):
# site-dns from two sites whose status pages a stand-in (python3's http.server on a file holding
# {"available":true}) answers 200, policy ordered; NSD from a zone file, minimal responses, rate
# limiting off, one server process, configured in a temporary directory of its own (no chroot, no
# user switch, no system service). Both serve UDP from one thread of execution (site-dns's UDP
# loop, NSD's one server process); nothing is pinned: dnsperf and any other work share the cores.
#
# Load: dnsperf (UDP, EDNS0) for SECONDS per run, in three shapes: c1r2k, 1 client at 2,000
# queries/s (the latency of a query when little queues; both servers keep up); c1 and c10, 1 and
# 10 clients with up to 100 queries in flight each and no rate limit (throughput: the machine
# saturated). Targets alternate within each round, ROUNDS rounds, after WARMUP_SECONDS of the
# same load on site-dns (the JVM's JIT warmed first) and 5 s on NSD.
#
# For every run it prints queries/s, p50 and p99 latency (computed from dnsperf -v, which reports
# each query's latency; dnsperf itself prints only the average), the average, the queries lost,
# and the CPU seconds per 1,000 queries of the server's processes (from /proc/PID/stat: the JVM,
# its probes included; NSD's main, xfrd and server processes); then the ratios site-dns/NSD of
# queries/s (target: at least 0.5) and of CPU per query. The load average before and after says
# how much other work shared the two cores.
#
# Installs dnsperf and nsd with apt-get when missing (as root); builds site-dns with Maven (the
# reactor, nothing installed). Listens on 127.0.0.1 ports 18153 (site-dns), 18154 (NSD) and
# 18155 (the stand-in status page) and stops everything it started.
#
#   bench/site-dns.sh [SECONDS_PER_RUN] [ROUNDS] [WARMUP_SECONDS]
#   (defaults: 10, 2, 20)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-10}"
rounds="${2:-2}"
warmup="${3:-20}"
site_port=18153
nsd_port=18154
status_port=18155
zone="shop.example.test."
PATH="$PATH:/usr/sbin" # nsd is installed there

ensure_commands dnsperf nsd python3
command -v dig >/dev/null 2>&1 || ensure_commands bind9-dnsutils # dig

for port in "$site_port" "$nsd_port" "$status_port"; do
  if ss -Hlntu "( sport = :$port )" | grep -q .; then
    echo "bench: port $port on this machine is taken" >&2
    exit 1
  fi
done

work="$(mktemp -d /tmp/site-dns-bench.XXXXXX)"
site_pid=""
nsd_pid=""
status_pid=""
cleanup() {
  local p
  for p in "$site_pid" "$nsd_pid" "$status_pid"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "$site_pid" "$nsd_pid" "$status_pid"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- site-dns || echo '+changes')"

mvn -q -B -pl site-dns -am -DskipTests package dependency:build-classpath -DincludeScope=runtime \
  -Dmdep.outputFile=target/site-dns.classpath >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; echo "bench: building site-dns failed" >&2; exit 1; }

# The sites' status page: a file served with 200 and {"available":true}.
mkdir -p "$work/www"
echo '{"available":true}' >"$work/www/status.json"
python3 -m http.server "$status_port" --bind 127.0.0.1 --directory "$work/www" >"$work/status.log" 2>&1 &
status_pid=$!

cat >"$work/site-dns.properties" <<PROPS
qos.site-dns.zone=$zone
qos.site-dns.policy=ordered
qos.site-dns.sites=a,b
qos.site-dns.site.a.addresses=127.0.1.1
qos.site-dns.site.a.status-url=http://127.0.0.1:$status_port/status.json
qos.site-dns.site.b.addresses=127.0.1.2
qos.site-dns.site.b.status-url=http://127.0.0.1:$status_port/status.json
qos.site-dns.ttl-seconds=5
qos.site-dns.listen.address=127.0.0.1
qos.site-dns.listen.port=$site_port
PROPS

cat >"$work/shop.zone" <<ZONE
\$ORIGIN $zone
\$TTL 5
@    IN SOA ns1 hostmaster 1 3600 600 1209600 5
@    IN NS  ns1
@    IN A   127.0.1.1
@    IN A   127.0.1.2
ns1  IN A   127.0.0.1
ZONE

cat >"$work/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$nsd_port
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$work"
  database: ""
  zonelistfile: "$work/zone.list"
  xfrdfile: "$work/xfrd.state"
  xfrdir: "$work"
  pidfile: "$work/nsd.pid"
  logfile: "$work/nsd.log"
  server-count: 1
  minimal-responses: yes
  hide-version: yes
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: $zone
  zonefile: "$work/shop.zone"
CONF
nsd-checkconf "$work/nsd.conf"
nsd -d -c "$work/nsd.conf" >"$work/nsd.out" 2>&1 &
nsd_pid=$!

java ${BENCH_JAVA_OPTS:-} -cp "site-dns/target/site-dns-0.1.0-SNAPSHOT.jar:$(cat site-dns/target/site-dns.classpath)" \
  org.qoscluster.sitedns.Main --config "$work/site-dns.properties" >"$work/site-dns.log" 2>&1 &
site_pid=$!

echo "$zone A" >"$work/queries.txt"
answers() { # port -> the answer's A records, one line
  dig +norec +short +tries=1 +time=1 -p "$1" @127.0.0.1 "$zone" A 2>/dev/null | tr '\n' ' ' || true
}
expected="127.0.1.1 127.0.1.2 "
for _ in $(seq 1 300); do
  [ "$(answers "$site_port")" = "$expected" ] && [ "$(answers "$nsd_port")" = "$expected" ] && break
  sleep 0.1
done
for port in "$site_port" "$nsd_port"; do
  got="$(answers "$port")"
  if [ "$got" != "$expected" ]; then
    echo "bench: 127.0.0.1:$port answers '$got', not '$expected'" >&2
    cat "$work/site-dns.log" "$work/nsd.out" >&2
    exit 1
  fi
done

tck="$(getconf CLK_TCK)"
descendants() { # pid -> it and every process below it
  local p
  echo -n "$1 "
  for p in $(pgrep -P "$1"); do descendants "$p"; done
}
server_pids() { # target -> its processes
  case "$1" in
    site-dns) echo "$site_pid" ;;
    nsd) descendants "$nsd_pid" ;; # its main, xfrd and server processes
  esac
}
port_of() { case "$1" in site-dns) echo "$site_port" ;; nsd) echo "$nsd_port" ;; esac; }

# shape -> dnsperf's client options
shape_options() {
  case "$1" in
    c1r2k) echo "-c 1 -Q 2000" ;;
    c1) echo "-c 1 -q 100" ;;
    c10) echo "-c 10 -q 100" ;;
  esac
}

# target shape -> "target qps p50_ms p99_ms avg_ms lost cpu_s_per_1k"
run() {
  local target="$1" shape="$2" pids t0 t1 out="$work/dnsperf.txt"
  pids="$(server_pids "$target")"
  t0="$(ticks $pids)"
  # shellcheck disable=SC2046
  dnsperf -s 127.0.0.1 -p "$(port_of "$target")" -d "$work/queries.txt" -e $(shape_options "$shape") \
    -l "$seconds" -v >"$out" 2>&1
  t1="$(ticks $pids)"
  local qps lost avg
  qps="$(awk '/Queries per second:/ {print $4}' "$out")"
  lost="$(awk '/Queries lost:/ {print $3}' "$out")"
  avg="$(awk '/Average Latency/ {print $4 * 1000}' "$out")"
  set -- $(awk '$1 == ">" && $2 != "T" && $2 != "I" {print $NF}' "$out" | sort -n \
    | awk '{v[NR] = $1} END { if (NR == 0) print "0 0"; else printf "%.3f %.3f\n", v[int((NR - 1) * 0.50) + 1] * 1000, v[int((NR - 1) * 0.99) + 1] * 1000 }')
  awk -v n="$target" -v s="$shape" -v r="$qps" -v p50="$1" -v p99="$2" -v avg="$avg" -v lost="$lost" \
      -v t=$((t1 - t0)) -v hz="$tck" -v secs="$seconds" \
    'BEGIN { q = r * secs; printf "%s %s %.1f %.3f %.3f %.3f %d %.4f\n", n, s, r, p50, p99, avg, lost, (q > 0 ? t / hz / q * 1000 : 0) }'
  rm -f "$out"
}

# Warm-up: the JVM's JIT first, then the same load on both.
dnsperf -s 127.0.0.1 -p "$site_port" -d "$work/queries.txt" -e -c 10 -l "$warmup" >/dev/null 2>&1
dnsperf -s 127.0.0.1 -p "$site_port" -d "$work/queries.txt" -e -c 1 -q 1 -l 5 >/dev/null 2>&1
dnsperf -s 127.0.0.1 -p "$nsd_port" -d "$work/queries.txt" -e -c 10 -l 5 >/dev/null 2>&1

echo "site-dns (commit $commit, $(java -version 2>&1 | head -1)) and $(nsd -v 2>&1 | head -1), same zone and answer;" \
  "$(dnsperf -h 2>&1 | sed -n 's/^Version /dnsperf /p'); $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1));" \
  "${seconds} s per run, ${rounds} round(s), ${warmup} s warm-up"
echo "load average before: $load_before"
printf "%-6s %-9s %-6s %11s %8s %8s %8s %7s %12s\n" round target shape "queries/s" "p50 ms" "p99 ms" "avg ms" lost "CPU s/1k q"
results=()
for round in $(seq 1 "$rounds"); do
  for shape in c1r2k c1 c10; do
    for target in site-dns nsd; do
      line="$(run "$target" "$shape")"
      results+=("$round $line")
      set -- $line
      printf "%-6s %-9s %-6s %11.1f %8.3f %8.3f %8.3f %7d %12.4f\n" "$round" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8"
    done
  done
done

echo
echo "site-dns / NSD, per round (queries/s target: at least 0.5)"
printf "%-6s %-6s %10s %12s %14s\n" round shape "queries/s" "p50" "CPU per query"
for round in $(seq 1 "$rounds"); do
  for shape in c1r2k c1 c10; do
    s="" n=""
    for r in "${results[@]}"; do
      set -- $r
      [ "$1" = "$round" ] && [ "$3" = "$shape" ] && { [ "$2" = site-dns ] && s="$r" || n="$r"; }
    done
    set -- $s $n
    awk -v round="$round" -v shape="$shape" -v sq="$4" -v sp="$5" -v sc="$9" -v nq="${13}" -v np="${14}" -v nc="${18}" \
      'BEGIN { printf "%-6s %-6s %10.2f %12.2f %14s\n", round, shape, sq / nq, (np > 0 ? sp / np : 0), (nc > 0 ? sprintf("%.2f", sc / nc) : "-") }'
  done
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
