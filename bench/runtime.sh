#!/bin/bash
# Start-to-exit time of berth-runtime, crun and runc on the same busybox OCI
# bundle running /bin/true. The runtimes take turns (one run each per
# round, through bench/turns.c) so load changes hit all of them alike; prints
# medians in ms, CPU per run and berth's ratios, beside a floor (bench/ns-floor.c:
# namespaces, pivot_root, /proc, exec and nothing else). Budget: berth <= 0.3 x crun.
#   bench/runtime.sh [ROUNDS] (default 30; needs root)
# Env: BERTH_RUNTIME (default build/runtime/berth-runtime).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-30}
berth=${BERTH_RUNTIME:-$here/../build/runtime/berth-runtime}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
[ -x "$berth" ] || { echo "no $berth: build first (meson setup build && ninja -C build)" >&2; exit 1; }

if [ -z "${BERTH_BENCH_INNER:-}" ]; then
        # crun 1.8 refuses the hybrid cgroup layout; in a private mount
        # namespace a tmpfs over the cgroup2 mount hides it. All three
        # runtimes run in that same namespace.
        exec unshare -m env BERTH_BENCH_INNER=1 "$0" "$@"
fi
mount --make-rprivate /
if mountpoint -q /sys/fs/cgroup/unified; then mount -t tmpfs tmpfs /sys/fs/cgroup/unified; fi

tmp=$(mktemp -d /tmp/berth-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$here/runtime-mkbundle.sh" "$tmp/bundle" /bin/true
# Runtime state goes where it lives in production, on a tmpfs (/run), for
# all three alike; the bench's own namespace drops the mount at exit.
mkdir "$tmp/state"
mount -t tmpfs -o mode=0700 tmpfs "$tmp/state"
trap 'umount "$tmp/state" 2>/dev/null; rm -rf "$tmp"' EXIT

cc -O2 -Wall -o "$tmp/turns" "$here/turns.c"
cc -O2 -Wall -static -o "$tmp/ns-floor" "$here/ns-floor.c"

specs=("berth=$berth --root $tmp/state/berth run --bundle $tmp/bundle bench-berth")
for rt in crun runc; do
        if command -v $rt >/dev/null; then
                specs+=("$rt=$rt --root $tmp/state/$rt run --bundle $tmp/bundle bench-$rt")
        fi
done
specs+=("floor=$tmp/ns-floor $tmp/bundle/rootfs /bin/true")

# turns spawns each run directly (posix_spawn), not through a shell fork,
# which costs ~3 ms a start here; it prints medians and berth's ratios.
"$tmp/turns" "$rounds" "${specs[@]}" | tee "$tmp/out"
awk '$1 == "berth/crun" {printf "budget: berth/crun <= 0.30 wall: %s\n", ($3 + 0 <= 0.30 ? "met" : "NOT met")}' "$tmp/out"
