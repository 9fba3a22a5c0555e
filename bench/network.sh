#!/bin/bash
# What the default bridge network adds to a container start, against
# Network=none: a child in a new network namespace, then network_attach()
# from the parent as berth-runtime does it, N times, both kinds taking turns
# in one run. Also printed: the attach's CPU time and page faults (steady
# under load), the kernel floor (the same veth and eth0 configuration by bare
# netlink, no bookkeeping), the detach (ExecStopPost=, not part of a start),
# and the first container of a network, which also creates the bridge and
# the nftables table. Runs inside a private network namespace standing in for
# the host, so the real host is untouched.
# Budget: the bridge adds <= 3 ms at the median ("added by the bridge").
#
# usage: bench/network.sh [BUILD_DIR] [RUNS]
# BENCH_RT=1 runs the bench at SCHED_FIFO priority 10: on a machine shared
# with other work this keeps the run-queue waits of the load out of the
# wall-clock figures (kernel workers the attach waits for still compete).
set -euo pipefail
build=${1:-build}
runs=${2:-200}
bench=$build/tests/root/network/network-bench
[ -x "$bench" ] || { echo "build first: ninja -C $build" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
prio=()
[ -n "${BENCH_RT:-}" ] && prio=(chrt -f 10)
# /run is a tmpfs on a systemd host; the run directory gets one here too.
run() {
        "${prio[@]}" unshare --net --mount -- sh -c 'mount -t tmpfs tmpfs "$1" && shift && exec "$@"' \
                - "$dir" "$bench" "$runs"
}
echo "== without published ports${prio:+ (SCHED_FIFO)}"
BENCH_RUN_DIR=$dir run
echo "== with PublishPort=18080:80${prio:+ (SCHED_FIFO)}"
BENCH_PUBLISH=1 BENCH_RUN_DIR=$dir run
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"
