#!/usr/bin/env bash
# Read/write split benchmark: catalogue reads through the router of a two-node cluster
# whose nodes read their own replica, then of one without replicas (every read on the master),
# in the same run, and their ratio; then a mixed workload (9 browsers per buyer who signs in,
# checks out and reads the order history) and the share of reads each database copy answered
# (X-Qos-Read-From). Everything runs on free loopback ports under var/bench-read-split and stops
# when it ends.
#
#   bench/read-split.sh [SECONDS] [CLIENTS]   (defaults: 20, 16)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-20}"
clients="${2:-16}"
state="var/bench-read-split"
run_java_benchmark "$state" org.qoscluster.testing.ReadSplitBenchmark "$seconds" "$clients"
