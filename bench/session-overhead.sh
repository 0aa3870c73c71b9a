#!/usr/bin/env bash
# Session Synchronizer (SSS) overhead benchmark. In one run, on loopback, the same request to
# node-1 of a two-node cluster, for a user whose session holds a 2 KB and then a 50 KB attribute:
#   - read:  GET /test/session/blob          (reads the attribute, changes nothing)
#   - write: GET /test/session/blob?touch=1  (changes one byte of it in place, so it is stored)
# first with the SSS (sessions in the cluster's session database), then without it
# (qos.session.enabled=false: Payara's node-local in-memory session, the reference). wrk at one
# connection (one user) gives the per-request time (p50, p99) and requests/s; at CONNECTIONS
# connections (as many users, requests spread over them) the throughput. Prints each figure and the added time and ratio SSS/reference. Installs wrk with
# apt-get when missing (as root). Starts its own cluster on ports 18180-18192 under
# var/bench-session and stops everything it started.
#
#   bench/session-overhead.sh [SECONDS_PER_RUN] [CONNECTIONS] [WARMUP_SECONDS]   (defaults: 10, 8, 5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-10}"
connections="${2:-8}"
warmup="${3:-5}"
state="var/bench-session"
node="http://127.0.0.1:18181"

ensure_commands wrk
cleanup() { bin/qoscluster down --state "$state" >/dev/null 2>&1 || true; }
trap cleanup EXIT

up() { # enabled
  bin/qoscluster up --state "$state" -Dqos.session.enabled="$1" -Dqos.node.test-switches=true \
    -Dqos.router.http.port=18180 -Dqos.router.hazelcast.port=18190 \
    -Dqos.node.http.ports=18181,18182 -Dqos.node.hazelcast.ports=18191,18192 -Dqos.node.db-proxy.ports=18171,18172 \
    -Dqos.db.master.port=18627 -Dqos.db.replica.ports= >/dev/null
}
mkdir -p "$state"
cat >"$state/users.lua" <<'LUA'
-- Each request carries the next user's cookies (one line per user in USERS_FILE).
users = {}
for line in io.lines(os.getenv("USERS_FILE")) do users[#users + 1] = line end
n = math.random(#users)
request = function()
  n = n % #users + 1
  return wrk.format(nil, nil, { ["Cookie"] = users[n] })
end
LUA
run() { # label url users-file connections -> "rps p50 p99"
  local c="$4" t=2 out
  [ "$c" -lt 2 ] && t=1
  USERS_FILE="$3" wrk -t"$t" -c"$c" -d"${warmup}s" -s "$state/users.lua" "$2" >/dev/null 2>&1
  out="$(USERS_FILE="$3" wrk -t"$t" -c"$c" -d"${seconds}s" --latency -s "$state/users.lua" "$2")"
  echo "$out" >"$state/wrk-$1-c$c.txt"
  if echo "$out" | grep -q "Non-2xx"; then echo "bench: $1 got errors:" >&2; echo "$out" >&2; exit 1; fi
  wrk_figures "$out"
}
session() { # bytes -> cookie header of a user whose session holds that many bytes
  curl -s -D - -o /dev/null -X PUT "$node/test/session/blob?bytes=$1" | tr -d '\r' \
    | sed -n 's/^Set-Cookie: \([^;]*\).*/\1/p' | paste -sd';' -
}

declare -A R
for mode in sss reference; do
  [ "$mode" = sss ] && up true || up false
  for size in 2048 51200; do
    : >"$state/users-$size"
    for _ in $(seq "$connections"); do
      cookie="$(session "$size")"
      [ "$(curl -s -H "Cookie: $cookie" "$node/test/session/blob")" = "$size" ] || { echo "bench: session of $size bytes not set up" >&2; exit 1; }
      echo "$cookie" >>"$state/users-$size"
    done
    head -1 "$state/users-$size" >"$state/user-$size"
    for kind in read write; do
      url="$node/test/session/blob"; [ "$kind" = write ] && url="$url?touch=1"
      R[$mode-$size-$kind-1]="$(run "$mode-$size-$kind" "$url" "$state/user-$size" 1)"
      R[$mode-$size-$kind-n]="$(run "$mode-$size-$kind" "$url" "$state/users-$size" "$connections")"
    done
  done
  cleanup
done

printf '\nSession Synchronizer overhead on node-1 (%s s per run; reference = node-local session, SSS off)\n' "$seconds"
printf '%-15s %-6s | %11s %8s %8s | %11s %8s %8s | %9s %9s %9s\n' session request "SSS rps" p50_ms p99_ms "ref rps" p50_ms p99_ms "+p50_ms" "+p99_ms" "rps_ratio"
for size in 2048 51200; do
  for kind in read write; do
    read -r s_rps s_p50 s_p99 <<<"${R[sss-$size-$kind-1]}"
    read -r r_rps r_p50 r_p99 <<<"${R[reference-$size-$kind-1]}"
    printf '%-15s %-6s | %11s %8s %8s | %11s %8s %8s | %9s %9s %9s\n' "$((size / 1024)) KB, 1 user" "$kind" \
      "$s_rps" "$s_p50" "$s_p99" "$r_rps" "$r_p50" "$r_p99" \
      "$(awk -v a="$s_p50" -v b="$r_p50" 'BEGIN{printf "%.3f", a-b}')" "$(awk -v a="$s_p99" -v b="$r_p99" 'BEGIN{printf "%.3f", a-b}')" \
      "$(awk -v a="$s_rps" -v b="$r_rps" 'BEGIN{printf "%.2f", a/b}')"
    read -r s_rps s_p50 s_p99 <<<"${R[sss-$size-$kind-n]}"
    read -r r_rps r_p50 r_p99 <<<"${R[reference-$size-$kind-n]}"
    printf '%-15s %-6s | %11s %8s %8s | %11s %8s %8s | %9s %9s %9s\n' "$((size / 1024)) KB, $connections users" "$kind" \
      "$s_rps" "$s_p50" "$s_p99" "$r_rps" "$r_p50" "$r_p99" "" "" \
      "$(awk -v a="$s_rps" -v b="$r_rps" 'BEGIN{printf "%.2f", a/b}')"
  done
done
