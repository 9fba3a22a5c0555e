#!/bin/bash
# What the default bridge network adds to a container start, against
# Network=none: a child in a new network namespace, then network_attach()
# from the parent as berth-runtime does it, N times. Runs inside a private
# network namespace standing in for the host, so the real host is untouched.
# Budget: the bridge adds <= 3 ms at the median.
#
# usage: bench/network.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-200}
bench=$build/tests/root/network/network-bench
[ -x "$bench" ] || { echo "build first: ninja -C $build" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# /run is a tmpfs on a systemd host; the run directory gets one here too.
run() {
        unshare --net --mount -- sh -c 'mount -t tmpfs tmpfs "$1" && shift && exec "$@"' \
                - "$dir" "$bench" "$runs"
}
echo "== without published ports"
BENCH_RUN_DIR=$dir run
echo "== with PublishPort=18080:80"
BENCH_PUBLISH=1 BENCH_RUN_DIR=$dir run
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"
