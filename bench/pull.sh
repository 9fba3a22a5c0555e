#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Pull benchmark: berth-pull against `podman pull` (which also extracts) and
# `skopeo copy docker:// oci:` (download only), taking turns, each pull into a
# fresh store, from a docker-registry on loopback. Reports the median wall
# time and the peak RSS of each, and berth's ratio to podman.
#
#   bench/pull.sh [BUILD_DIR] [ROUNDS]      (as root; default build, 5)
#
# The budget: berth <= 0.3 x podman's median, peak RSS <= 30 MB.
# Fresh directories rather than rm -rf between runs: on ext4 without a
# journal, recently deleted files make new creates slow.
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE_DIR=$PWD
BUILD_DIR=$(realpath "${1:-build}")
ROUNDS=${2:-5}
BERTH_PULL=$BUILD_DIR/manager/registry/berth-pull
[ -x "$BERTH_PULL" ] || { echo "no $BERTH_PULL; build first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (package time)" >&2; exit 1; }

. tests/lib/registry.sh
registry_setup
WORK=$(mktemp -d /var/tmp/berth-bench-pull.XXXXXX)
trap 'registry_cleanup; rm -rf "$WORK"' EXIT
registry_start
REF=$REGISTRY/bench/pull:latest
python3 bench/pull-image.py "$REGISTRY_URL" bench/pull:latest

# measure NAME CMD...: appends "seconds max_rss_kb cpu_seconds" to $WORK/NAME.times
measure() {
        local name=$1
        shift
        # nobody pays for flushing another tool's dirty pages
        sync
        /usr/bin/time -f "%e %M %U %S" -o "$WORK/time.out" "$@" >"$WORK/$name.log" 2>&1 ||
                { cat "$WORK/$name.log" >&2; echo "$name failed" >&2; exit 1; }
        awk '{print $1, $2, $3 + $4}' "$WORK/time.out" >> "$WORK/$name.times"
}

run_berth() {
        measure berth "$BERTH_PULL" --root "$1" --config-dir "$WORK/none" \
                --auth-file "$WORK/none.json" --certs-dir "$WORK/none" \
                --insecure "$REGISTRY" --quiet "$REF"
}
run_podman() {
        measure podman podman --root "$1/root" --runroot "$1/run" --storage-driver overlay \
                --cgroup-manager cgroupfs --events-backend none \
                pull --quiet --tls-verify=false "$REF"
}
run_skopeo() {
        measure skopeo skopeo copy --quiet --src-tls-verify=false "docker://$REF" "oci:$1/oci:latest"
}
# reference: `tar -xzf` of the layers one after another (from skopeo's copy)
run_tar() {
        local layers
        layers=$(jq -r '.layers[].digest | sub("sha256:"; "")' \
                "$WORK/skopeo-1/oci/blobs/sha256/$(jq -r '.manifests[0].digest | sub("sha256:"; "")' \
                "$WORK/skopeo-1/oci/index.json")")
        measure tar sh -c 'for l in $2; do tar -xzf "$1/$l" -C "$0"; done' "$1" \
                "$WORK/skopeo-1/oci/blobs/sha256" "$layers"
}

tools=(berth podman skopeo tar)
for round in $(seq "$ROUNDS"); do
        for t in "${tools[@]}"; do
                d=$WORK/$t-$round
                mkdir -p "$d"
                "run_$t" "$d"
                echo "round $round $t: $(tail -n1 "$WORK/$t.times" | awk '{printf "%.2f s, %.1f MB RSS, %.2f s CPU", $1, $2/1024, $3}')"
        done
        # podman's overlay mounts stay until its store is unmounted
        podman --root "$WORK/podman-$round/root" --runroot "$WORK/podman-$round/run" \
                --storage-driver overlay system reset --force >/dev/null 2>&1 || true
        umount -R "$WORK/podman-$round/root/overlay" 2>/dev/null || true
done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo
printf '%-8s %10s %14s %12s\n' tool "median s" "peak RSS MB" "median CPU s"
for t in "${tools[@]}"; do
        m=$(cut -d' ' -f1 "$WORK/$t.times" | median)
        rss=$(cut -d' ' -f2 "$WORK/$t.times" | sort -n | tail -n1)
        cpu=$(cut -d' ' -f3 "$WORK/$t.times" | median)
        printf '%-8s %10.2f %14.1f %12.2f\n' "$t" "$m" "$(awk "BEGIN {print $rss / 1024}")" "$cpu"
        eval "median_$t=$m rss_$t=$rss cpu_$t=$cpu"
done
printf '\nberth / podman = %.2f (budget 0.30), berth peak RSS %.1f MB (budget 30)\n' \
        "$(awk "BEGIN {print $median_berth / $median_podman}")" "$(awk "BEGIN {print $rss_berth / 1024}")"
printf 'CPU time: berth / podman = %.2f\n' "$(awk "BEGIN {print $cpu_berth / $cpu_podman}")"
