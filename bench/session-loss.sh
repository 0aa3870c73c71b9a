#!/usr/bin/env bash
# What a site's death loses of the sessions kept in the session table (QOS_SESSION), per mode.
# For each mode (write-through, write-behind) it starts a cluster of two nodes and one replica
# (ports 19470-19492, Derby 19627 and 19628, under var/bench-session-loss), and one user changes
# their session on node-1 as fast as curl goes (GET /test/session/blob?touch=1, a 2 KB attribute
# changed in place, each request stored), recording the version each answer tells the client
# (cookie QOSUID_V) and when the answer arrived. After SECONDS it kills both nodes with kill -9 at
# once (the whole Hazelcast cluster; the router is a Jetty client) and reads the session's row on
# the master. It prints the last version answered, the version in the table (one more when a
# store was in the table and its answer was cut by the kill), how many answered changes are not
# in the table, and the time between the answer of the first change missing and the kill: the
# window of session changes lost. Stops everything it started.
#
#   [MODES="write-behind"] bench/session-loss.sh [SECONDS] [ROUNDS]     (defaults: both modes, 10, 3)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-10}"
rounds="${2:-3}"
state="var/bench-session-loss"
node="http://127.0.0.1:19481"
runtime="cluster-launcher/target/runtime"
cleanup() { bin/qoscluster down --state "$state" >/dev/null 2>&1 || true; }
trap cleanup EXIT

now_ms() { date +%s%3N; }

# The session row's version on the master ("-1" without a row), by the session's UID.
table_version() {
  local password
  password="$(cat "$state/secrets/qos.secret.db-password")"
  java -cp "$runtime/derby/derbytools.jar:$runtime/derby/derbyclient.jar:$runtime/derby/derbyshared.jar" \
    -Dij.protocol=jdbc:derby: -Dij.user=qos -Dij.password="$password" org.apache.derby.tools.ij <<SQL 2>&1 \
    | awk '/^[0-9]+ *$/ {v = $1} END {print (v == "" ? -1 : v)}'
connect 'jdbc:derby://127.0.0.1:19627/store';
SELECT SESSION_VERSION FROM QOS_SESSION WHERE SESSION_UID = '$1';
SQL
}

printf '%-13s %5s | %8s %8s %6s | %10s\n' mode round answered table lost "lost ms"
for mode in ${MODES:-write-through write-behind}; do
  for round in $(seq "$rounds"); do
    rm -rf "$state"
    bin/qoscluster up --state "$state" -Dqos.node.test-switches=true -Dqos.session.table.mode="$mode" \
      -Dqos.router.http.port=19480 -Dqos.router.hazelcast.port=19490 \
      -Dqos.node.http.ports=19481,19482 -Dqos.node.hazelcast.ports=19491,19492 \
      -Dqos.node.db-proxy.ports=19471,19472 -Dqos.db.master.port=19627 -Dqos.db.replica.ports=19628 >/dev/null
    jar="$state/bench-cookies"
    curl -s -c "$jar" -b "$jar" -o /dev/null -X PUT "$node/test/session/blob?bytes=2048"
    uid="$(awk '$6 == "QOSUID" {split($7, a, "."); print a[1]}' "$jar")"
    log="$state/bench-answers"
    : >"$log"
    (
      while true; do
        v="$(curl -s -c "$jar" -b "$jar" -D - -o /dev/null "$node/test/session/blob?touch=1" \
          | tr -d '\r' | sed -n 's/^Set-Cookie: QOSUID_V=\([0-9]*\)\..*/\1/p')" || break
        [ -n "$v" ] || break
        echo "$v $(now_ms)" >>"$log"
      done
    ) &
    writer=$!
    sleep "$seconds"
    n1="$(pid_of node-1)"; n2="$(pid_of node-2)"
    killed="$(now_ms)"
    kill -9 "$n1" "$n2"
    wait "$writer" 2>/dev/null || true
    # Answers that arrived after the kill time stamp were answered before it (in flight).
    answered="$(tail -1 "$log" | awk '{print $1}')"
    table="$(table_version "$uid")"
    first_lost_at="$(awk -v t="$table" '$1 > t {print $2; exit}' "$log")"
    # A table ahead of the last answer holds a store whose answer the kill cut off: nothing lost.
    lost=$((answered > table ? answered - table : 0))
    lost_ms="$([ -n "$first_lost_at" ] && echo $((killed - first_lost_at)) || echo 0)"
    printf '%-13s %5s | %8s %8s %6s | %10s\n' "$mode" "$round" "$answered" "$table" "$lost" "$lost_ms"
    cleanup
  done
done
