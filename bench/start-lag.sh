#!/usr/bin/env bash
# Replication lag right after a start, as a user of 'bin/qoscluster up' meets it: the cluster of
# 'up' (two nodes, the router, a master and two replicas, the store) started on free loopback
# ports with the launcher's defaults, its router warmed up as 'up' does; right after that, RATE
# new CUSTOMER rows a second are committed straight to the master for SECONDS (after 2 s left
# out) while each replica's highest id is read every 2 ms; then the same at once on the same
# cluster, warm, as the reference. The benchmark's own JVM is warmed first against a Derby server
# of its own. Each of ROUNDS rounds starts a cluster as shipped (the database servers' warm-up
# off) and, when WARM_UP is above 0, one with qos.replication.warm-up-seconds=WARM_UP, in
# alternating order, and prints how long each start took. Everything it starts stops when it
# ends; its state is under var/bench-start-lag. BENCH_JAVA_OPTS: -Dbench.later-seconds=N measures
# a third time after N s with no load; -Dbench.idle-first-seconds=N takes the first measure N s
# after the start, the cluster idle until then; -Dqos.router.warm-up-seconds=0 leaves the router
# cold.
#
#   bench/start-lag.sh [SECONDS] [RATE] [WARM_UP] [ROUNDS]   (defaults: 15, 500, 45, 1)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
run_java_benchmark "var/bench-start-lag" org.qoscluster.testing.StartLagBenchmark "${1:-15}" "${2:-500}" "${3:-45}" "${4:-1}"
