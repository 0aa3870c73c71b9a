#!/usr/bin/env bash
# Session Synchronizer (SSS) overhead benchmark. The same request to node-1 of a two-node
# cluster, for users whose session holds a 2 KB and then a 50 KB attribute:
#   - read:  GET /test/session/blob          (reads the attribute, changes nothing)
#   - write: GET /test/session/blob?touch=1  (changes one byte of it in place, so it is stored)
# on two clusters running side by side: one with the SSS (sessions in the cluster's session
# database), one without it (qos.session.enabled=false: Payara's node-local in-memory session,
# the reference). wrk at one connection (one user) gives the per-request time (p50, p99); at
# CONNECTIONS connections (as many users, one connection and one wrk thread each, so no user has
# two requests in flight at once) the throughput.
#
# Each configuration (cluster, size, request, connections) is first warmed up in 3 s runs until
# two runs in a row differ by at most 5 % in requests/s (at most WARMUP_MAX seconds); then ROUNDS
# rounds measure every configuration once, SSS and reference back to back, in alternating order.
# For every run it prints requests/s, p50, p99 and the CPU seconds per 1,000 requests of node-1's
# process and of the whole cluster's members (router, node-1, node-2; /proc/PID/stat), then the
# medians over the rounds with the time the SSS adds and the ratios SSS/reference.
#
# Installs wrk with apt-get when missing (as root). Starts its own clusters (ports 18171-18192
# and 18271-18292, Derby on 18627 and 18727; under var/bench-session and var/bench-session-ref) and stops everything it
# started.
#
# SESSION_TABLE=off|write-through|write-behind sets how the SSS cluster keeps its records in the
# session table too (qos.session.table.*; default: write-behind, the configured default): run it
# once per mode to compare what the table costs against the same reference.
#
#   [SESSION_TABLE=MODE] bench/session-overhead.sh [SECONDS_PER_RUN] [CONNECTIONS] [ROUNDS] [WARMUP_MAX_SECONDS]
#   (defaults: 8, 8, 3, 60)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-8}"
connections="${2:-8}"
rounds="${3:-3}"
warmup_max="${4:-60}"
table="${SESSION_TABLE:-write-behind}"
case "$table" in
  off) table_opts=(-Dqos.session.table.enabled=false) ;;
  write-through|write-behind) table_opts=(-Dqos.session.table.enabled=true -Dqos.session.table.mode="$table") ;;
  *) echo "bench: SESSION_TABLE=$table is not off, write-through or write-behind" >&2; exit 2 ;;
esac
declare -A STATE=([sss]="var/bench-session" [reference]="var/bench-session-ref")
declare -A NODE=([sss]="http://127.0.0.1:18181" [reference]="http://127.0.0.1:18281")
tck="$(getconf CLK_TCK)"

ensure_commands wrk
cleanup() {
  bin/qoscluster down --state "${STATE[sss]}" >/dev/null 2>&1 || true
  bin/qoscluster down --state "${STATE[reference]}" >/dev/null 2>&1 || true
}
trap cleanup EXIT

up() { # mode enabled port-prefix (181 or 182) derby-port
  local p="$3"
  bin/qoscluster up --state "${STATE[$1]}" -Dqos.session.enabled="$2" "${table_opts[@]}" -Dqos.node.test-switches=true \
    -Dqos.router.http.port="${p}80" -Dqos.router.hazelcast.port="${p}90" \
    -Dqos.node.http.ports="${p}81,${p}82" -Dqos.node.hazelcast.ports="${p}91,${p}92" \
    -Dqos.node.db-proxy.ports="${p}71,${p}72" -Dqos.db.master.port="$4" -Dqos.db.replica.ports= >/dev/null
}
up sss true 181 18627
up reference false 182 18727

out="${STATE[sss]}/bench"
mkdir -p "$out"
cat >"$out/users.lua" <<'LUA'
-- One wrk thread per connection, each the user of its own line of USERS_FILE: a user never has
-- two requests in flight at once, as a browser user mostly has not.
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  local all = {}
  for line in io.lines(os.getenv("USERS_FILE")) do all[#all + 1] = line end
  cookie = all[(id % #all) + 1]
end
request = function()
  return wrk.format(nil, nil, { ["Cookie"] = cookie })
end
LUA

declare -A NODE_PID CLUSTER_PIDS
for mode in sss reference; do
  state="${STATE[$mode]}"
  NODE_PID[$mode]="$(pid_of node-1)"
  CLUSTER_PIDS[$mode]="$(pid_of router) $(pid_of node-1) $(pid_of node-2)"
done

session() { # node-url bytes -> the cookie header of a user whose session holds that many bytes
  curl -s -D - -o /dev/null -X PUT "$1/test/session/blob?bytes=$2" | tr -d '\r' \
    | sed -n 's/^Set-Cookie: \([^;]*\).*/\1/p' | paste -sd';' -
}
for mode in sss reference; do
  for size in 2048 51200; do
    : >"$out/users-$mode-$size"
    for _ in $(seq "$connections"); do
      cookie="$(session "${NODE[$mode]}" "$size")"
      [ "$(curl -s -H "Cookie: $cookie" "${NODE[$mode]}/test/session/blob")" = "$size" ] \
        || { echo "bench: $mode session of $size bytes not set up" >&2; exit 1; }
      echo "$cookie" >>"$out/users-$mode-$size"
    done
    head -1 "$out/users-$mode-$size" >"$out/user1-$mode-$size"
  done
done

url_of() { # mode kind
  if [ "$2" = write ]; then echo "${NODE[$1]}/test/session/blob?touch=1"; else echo "${NODE[$1]}/test/session/blob"; fi
}
users_of() { # mode size connections
  if [ "$3" -lt 2 ]; then echo "$out/user1-$1-$2"; else echo "$out/users-$1-$2"; fi
}

# mode size kind connections duration -> "rps p50 p99 node1_cpu_s_per_1k cluster_cpu_s_per_1k"
run() {
  local mode="$1" size="$2" kind="$3" c="$4" d="$5" t="$4" w n0 n1 a0 a1
  n0="$(ticks ${NODE_PID[$mode]})"; a0="$(ticks ${CLUSTER_PIDS[$mode]})"
  w="$(USERS_FILE="$(users_of "$mode" "$size" "$c")" wrk -t"$t" -c"$c" -d"${d}s" --latency -s "$out/users.lua" "$(url_of "$mode" "$kind")")"
  n1="$(ticks ${NODE_PID[$mode]})"; a1="$(ticks ${CLUSTER_PIDS[$mode]})"
  echo "$w" >>"$out/wrk-$mode-$size-$kind-c$c.txt"
  if echo "$w" | grep -q "Non-2xx"; then echo "bench: $mode $size $kind got errors:" >&2; echo "$w" >&2; exit 1; fi
  local requests
  requests="$(echo "$w" | awk '/requests in/ {print $1}')"
  set -- $(wrk_figures "$w")
  awk -v r="$1" -v p50="$2" -v p99="$3" -v q="$requests" -v nt=$((n1 - n0)) -v at=$((a1 - a0)) -v hz="$tck" \
    'BEGIN { printf "%.1f %.3f %.3f %.4f %.4f\n", r, p50, p99, (q > 0 ? nt / hz / q * 1000 : 0), (q > 0 ? at / hz / q * 1000 : 0) }'
}

sizes=(2048 51200)
kinds=(read write)
echo "Session Synchronizer overhead on node-1; $(nproc) cores; ${seconds} s per run, ${rounds} round(s), $connections users;" \
  "session table: $table"
echo
echo "Warm-up (3 s runs until two in a row are within 5 % in requests/s, at most ${warmup_max} s each):"
for c in "$connections" 1; do
  for size in "${sizes[@]}"; do
    for kind in "${kinds[@]}"; do
      for mode in sss reference; do
        last=0 spent=0 settled=no
        while [ "$spent" -lt "$warmup_max" ]; do
          set -- $(run "$mode" "$size" "$kind" "$c" 3)
          spent=$((spent + 3))
          if awk -v a="$last" -v b="$1" 'BEGIN { exit !(a > 0 && (a - b) / a <= 0.05 && (b - a) / a <= 0.05) }'; then
            settled=yes; break
          fi
          last="$1"
        done
        printf '  %-9s %3d KB %-5s %d user(s): %s after %d s (last %.1f req/s)\n' "$mode" "$((size / 1024))" "$kind" "$c" \
          "$([ "$settled" = yes ] && echo settled || echo 'NOT settled')" "$spent" "$1"
      done
    done
  done
done

results="$out/results.txt"
: >"$results"
printf '\n%-5s %-9s %-6s %-5s %5s | %10s %8s %8s | %12s %12s\n' round mode size kind users "req/s" p50_ms p99_ms "node1 CPU/1k" "all CPU/1k"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then order=(sss reference); else order=(reference sss); fi
  for c in "$connections" 1; do
    for size in "${sizes[@]}"; do
      for kind in "${kinds[@]}"; do
        for mode in "${order[@]}"; do
          line="$(run "$mode" "$size" "$kind" "$c" "$seconds")"
          echo "$round $mode $size $kind $c $line" >>"$results"
          set -- $line
          printf '%-5s %-9s %-6s %-5s %5s | %10.1f %8.3f %8.3f | %12.4f %12.4f\n' "$round" "$mode" "$((size / 1024))KB" "$kind" "$c" "$1" "$2" "$3" "$4" "$5"
        done
      done
    done
  done
done

col() { # mode size kind users column(6..10) -> the values over the rounds
  awk -v m="$1" -v s="$2" -v k="$3" -v u="$4" -v f="$5" '$2 == m && $3 == s && $4 == k && $5 == u { print $f }' "$results"
}
printf '\nMedians over %s round(s); CPU in seconds per 1,000 requests (node-1 / all members); reference = node-local session, SSS off\n' "$rounds"
printf '%-9s %-5s %5s | %9s %9s %6s | %8s %8s %8s | %15s %15s %10s\n' session request users "SSS rps" "ref rps" ratio \
  "SSS p50" "ref p50" "+p50 ms" "SSS CPU/1k" "ref CPU/1k" "CPU ratio"
for c in 1 "$connections"; do
  for size in "${sizes[@]}"; do
    for kind in "${kinds[@]}"; do
      s_rps="$(median $(col sss "$size" "$kind" "$c" 6))"; r_rps="$(median $(col reference "$size" "$kind" "$c" 6))"
      s_p50="$(median $(col sss "$size" "$kind" "$c" 7))"; r_p50="$(median $(col reference "$size" "$kind" "$c" 7))"
      s_n="$(median $(col sss "$size" "$kind" "$c" 9))"; r_n="$(median $(col reference "$size" "$kind" "$c" 9))"
      s_a="$(median $(col sss "$size" "$kind" "$c" 10))"; r_a="$(median $(col reference "$size" "$kind" "$c" 10))"
      awk -v sz="$((size / 1024)) KB" -v k="$kind" -v c="$c" -v sr="$s_rps" -v rr="$r_rps" -v sp="$s_p50" -v rp="$r_p50" \
          -v sn="$s_n" -v rn="$r_n" -v sa="$s_a" -v ra="$r_a" 'BEGIN {
        printf "%-9s %-5s %5s | %9.0f %9.0f %6.2f | %8.3f %8.3f %8.3f | %7.3f / %5.3f %7.3f / %5.3f %4.1f / %3.1f\n",
          sz, k, c, sr, rr, sr / rr, sp, rp, sp - rp, sn, sa, rn, ra, sn / rn, sa / ra }'
    done
  done
done
