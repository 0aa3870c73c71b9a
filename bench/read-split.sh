#!/usr/bin/env bash
# Read/write split benchmark: catalogue reads through the router of a two-node cluster with no
# replica (every read on the master), with one replica (both nodes read it) and with two (each
# node reads its own), in the same run, and their ratios to the master-only reads; then a mixed
# workload (9 browsers per buyer who signs in, checks out and reads the order history) and the
# share of reads each database copy answered (X-Qos-Read-From).
#
# So that the design is measured and not the shared cores, each Derby server runs in a CPU
# budget of its own, as if on a machine of its own (DB_CORES of a core each: a cgroup v1 `cpu`
# group per process, cpu.cfs_quota_us over cpu.cfs_period_us 100000, every thread moved by its
# pid); in a second row each node gets NODE_CORES too. A budgeted process's JIT compiler threads
# run outside its budget (a group of their own without a quota), as on another core of its
# machine, and each cluster is warmed up until the copies that answer spend at most 3 % of their
# CPU compiling: the budgets measure the steady work, and the report prints each Derby server's
# CPU per page by kind of thread (statements, JIT, collector). Needs root and /sys/fs/cgroup/cpu
# (cgroup v1). The groups are under /sys/fs/cgroup/cpu/qos-read-split and are removed when the script
# ends, also when it fails. Everything runs on free loopback ports under var/bench-read-split and
# stops when it ends. The catalogue's service class (browse) gets a goal of BROWSE_P95_MS
# (default 60000): with every node meeting it, the router sends each request to the less loaded
# of two nodes; with the default goal (200 ms), missed under the budgets, the node with the lowest
# predicted latency takes each request and one node gets most of them.
#
#   [BROWSE_P95_MS=ms] bench/read-split.sh [SECONDS] [CLIENTS] [DB_CORES] [NODE_CORES]
#   (defaults: 10, 16, 0.15, 0.5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
seconds="${1:-10}"
clients="${2:-16}"
db_cores="${3:-0.15}"
node_cores="${4:-0.5}"
state="var/bench-read-split"
cgroup_root=/sys/fs/cgroup/cpu
cgroup_name=qos-read-split
if [ ! -w "$cgroup_root/cgroup.procs" ] || [ ! -f "$cgroup_root/cpu.cfs_quota_us" ]; then
  echo "read-split: needs root and a cgroup v1 cpu hierarchy at $cgroup_root" >&2
  exit 2
fi

# Moves every process left in the benchmark's groups back to the root group, removes the groups.
remove_cgroups() {
  local parent="$cgroup_root/$cgroup_name" group pid
  [ -d "$parent" ] || return 0
  for group in "$parent"/*/ "$parent"/; do
    [ -d "$group" ] || continue
    while read -r pid; do
      echo "$pid" > "$cgroup_root/cgroup.procs" 2>/dev/null || true
    done < "$group/cgroup.procs"
  done
  for group in "$parent"/*/; do
    [ -d "$group" ] && rmdir "$group"
  done
  rmdir "$parent"
  echo "read-split: cgroups under $parent removed" >&2
}
trap remove_cgroups EXIT
remove_cgroups

BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:-} -Dbench.cgroup.root=$cgroup_root -Dbench.cgroup.name=$cgroup_name -Dbench.browse.p95-ms=${BROWSE_P95_MS:-60000}" \
  run_java_benchmark "$state" org.qoscluster.testing.ReadSplitBenchmark "$seconds" "$clients" "$db_cores" "$node_cores"
