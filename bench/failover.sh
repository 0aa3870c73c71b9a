#!/usr/bin/env bash
# Failover benchmark, asynchronous then synchronous mode: a two-node cluster with three Derby copies and sign-ups written
# through the router the whole time; FAILOVERS times kill -9 of the current master, the time until
# writes are acknowledged again and the acknowledged writes lost, the killed copy restarted and
# caught up before the next round; p50, p99 and max at the end, and where the time went: each
# round's timeline of the failover (the coordinator's, the write paths', the router's and the
# replication agent's own events, from /qos-group/status) and p50/p99 per phase. Runs on free
# loopback ports under var/bench-failover and stops when it ends (about 15 s a round, twice).
#
#   bench/failover.sh [FAILOVERS]   (default: 20)
#   BENCH_JAVA_OPTS=-Dfailover.modes=async bench/failover.sh 40   (one mode only)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
rounds="${1:-20}"
state="var/bench-failover"
run_java_benchmark "$state" org.qoscluster.testing.FailoverBenchmark "$rounds"
