#!/usr/bin/env bash
# Site failover benchmark: two sites on this machine sharing one database group (site a holds the
# master; everything between the sites through relays that add 20 ms each way), SHOPPERS shoppers
# of site a adding to their carts for LOAD seconds, then kill -9 of every process of site a.
# Prints (a) the time from the kill until site b's DNS server no longer answers site a, and until
# it answers site b (once site b's copy is promoted), (b) the time
# until each shopper, sent to site b with their cookies, checks out there (first, p50, max),
# (c) the acknowledged session changes site b does not have and how long before the kill the
# oldest of them was answered, (d) orders placed at site a missing at site b; beside each, the
# bound the configuration gives; and how long site a took to answer each add. Each round runs the
# session table written behind and written through, in alternating order. Runs on free loopback ports (routers and DNS servers on
# 127.0.31.1 and 127.0.32.1) under var/bench-site-failover and stops everything it started.
# Hold the shared cluster lock when other clusters may run: flock /tmp/qos-cluster.lock ...
#
#   bench/site-failover.sh [SHOPPERS] [LOAD_SECONDS] [ROUNDS]   (defaults: 5, 10, 2)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. bench/lib.sh
shoppers="${1:-5}"
load="${2:-10}"
rounds="${3:-2}"
state="var/bench-site-failover"
run_java_benchmark "$state" org.qoscluster.testing.SiteFailoverBenchmark "$shoppers" "$load" "$rounds"
