#!/usr/bin/env bash
# Replica reads benchmark: a Derby master and one replica on free loopback ports, the agent
# shipping every 20 ms, 40 multi-row transactions a second on the master, two readers on the
# replica counting each transaction's rows as fast as they can. Compares readers at READ
# COMMITTED with the apply locking its tables (the product's way), at READ COMMITTED without
# (the reference, which can show part of a transaction) and at SERIALIZABLE without: reader
# queries/s, transactions seen in part, replication lag. Its state is under var/bench-replica-reads.
#
#   bench/replica-reads.sh [SECONDS]   (default: 10 per run; six runs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-10}"
run_java_benchmark var/bench-replica-reads org.qoscluster.testing.ReplicaReadBenchmark "$seconds"
