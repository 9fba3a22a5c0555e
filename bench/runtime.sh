#!/bin/bash
# Start-to-exit time of berth-runtime, crun and runc on the same busybox OCI
# bundle running /bin/true. The runtimes take turns (one run each per
# round) so load changes hit all of them alike; prints medians in ms and the
# berth/crun ratio. Budget: berth <= 0.3 x crun.
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

declare -A cmd
cmd[berth]="$berth --root $tmp/state/berth run --bundle $tmp/bundle bench-berth"
runtimes=(berth)
for rt in crun runc; do
        if command -v $rt >/dev/null; then
                cmd[$rt]="$rt --root $tmp/state/$rt run --bundle $tmp/bundle bench-$rt"
                runtimes+=($rt)
        fi
done

# Milliseconds of CPU used so far by finished children (user + sys), from
# the `times` builtin; only builtins here, so the bookkeeping adds no
# children of its own to the count.
to_ms() { # 1m2.345s -> MS=62345
        MS=0
        [[ $1 =~ ^([0-9]+)m([0-9]+)\.([0-9]+)s$ ]] || return 0
        local frac=${BASH_REMATCH[3]}000
        MS=$(( (BASH_REMATCH[1] * 60 + 10#${BASH_REMATCH[2]}) * 1000 + 10#${frac:0:3} ))
}
children_cpu_ms() {
        local line user sys
        times >"$tmp/times"
        { read -r line; read -r user sys; } <"$tmp/times"
        to_ms "$user"
        CPU_MS=$MS
        to_ms "$sys"
        CPU_MS=$(( CPU_MS + MS ))
}

declare -A times cpu
for rt in "${runtimes[@]}"; do # warm-up, and fail early if one cannot run the bundle
        ${cmd[$rt]} >/dev/null || { echo "$rt cannot run the bundle" >&2; exit 1; }
        times[$rt]=""
        cpu[$rt]=0
done
for ((i = 0; i < rounds; i++)); do
        for rt in "${runtimes[@]}"; do
                children_cpu_ms
                c0=$CPU_MS
                t0=${EPOCHREALTIME/./}
                ${cmd[$rt]} >/dev/null
                t1=${EPOCHREALTIME/./}
                children_cpu_ms
                times[$rt]+="$(( t1 - t0 )) "
                cpu[$rt]=$(( cpu[$rt] + CPU_MS - c0 ))
        done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf '%-6s %10s %12s   (%d runs each, /bin/true in a busybox bundle; load %s)\n' runtime \
        "median ms" "CPU ms/run" "$rounds" "$(cut -d' ' -f1 /proc/loadavg)"
declare -A med cpums
for rt in "${runtimes[@]}"; do
        med[$rt]=$(echo "${times[$rt]}" | median | awk '{printf "%.3f", $1 / 1000}')
        cpums[$rt]=$(awk -v c="${cpu[$rt]}" -v n="$rounds" 'BEGIN {printf "%.2f", c / n}')
        printf '%-6s %10.2f %12.2f\n' "$rt" "${med[$rt]}" "${cpums[$rt]}"
done
if [ -n "${med[crun]:-}" ]; then
        awk -v b="${med[berth]}" -v c="${med[crun]}" -v bc="${cpums[berth]}" -v cc="${cpums[crun]}" \
                'BEGIN {printf "berth/crun = %.2f wall, %.2f CPU (budget 0.30)\n", b / c, (cc > 0 ? bc / cc : 0)}'
fi
