#!/usr/bin/env bash
# Replication benchmark: a Derby master and two replicas on free loopback ports, the replication
# agent shipping every 20 ms. Prints master throughput with change capture off and on (4 writers,
# as fast as they go) and their ratio, then the replication lag (p50, p99, max per replica) of
# transactions committed at a fixed RATE. Everything it starts stops when it ends; its state is
# under var/bench-replication.
#
#   bench/replication-lag.sh [SECONDS] [RATE]   (defaults: 15, 500)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-15}"
rate="${2:-500}"
state="var/bench-replication"
run_java_benchmark "$state" org.qoscluster.testing.ReplicationBenchmark "$seconds" "$rate"
