#!/bin/bash
# berthctl run --rm IMAGE /bin/true against podman run --rm IMAGE /bin/true,
# taking turns, inside a real systemd (tests/lib/harness.sh): a foreground
# berthctl run needs systemd for its scope. Prints both medians and the ratio
# against the budget (berth <= 0.05 x podman).
#
# usage: bench/run.sh [ROUNDS]     (BUILD_DIR: the build to install, default build)
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE_DIR=$PWD
BUILD_DIR=$(realpath "${BUILD_DIR:-build}")
export SOURCE_DIR BUILD_DIR
rounds=${1:-20}
. tests/lib/harness.sh
harness_require_root
command -v podman >/dev/null || harness_skip "podman is not installed"

work=$(mktemp -d /tmp/berth-bench.XXXXXX)
tests/lib/mkimage.sh "$work/oci" >/dev/null
harness_boot
trap 'harness_teardown $?; rm -rf "$work"' EXIT
harness_copy_in "$work/oci" /srv/oci
# BERTH_TEST_RUNTIME: a berth-runtime built elsewhere, as in the tests
if [ -n "${BERTH_TEST_RUNTIME:-}" ]; then
        harness_copy_in "$BERTH_TEST_RUNTIME" "$HARNESS_BERTH_RUNTIME"
fi

# the same image in both stores: berth's through a loopback registry, podman's
# straight from the OCI layout
harness_sh 'cat >/etc/bench-registry.yml' <<'EOT'
version: 0.1
storage:
  filesystem:
    rootdirectory: /srv/registry
http:
  addr: 127.0.0.1:5000
EOT
harness_run systemd-run --quiet --unit=bench-registry docker-registry serve /etc/bench-registry.yml
harness_wait 30 curl -sf http://127.0.0.1:5000/v2/
harness_run skopeo copy --quiet --dest-tls-verify=false oci:/srv/oci:latest \
        docker://127.0.0.1:5000/bench/busybox:latest
harness_run mkdir -p /etc/berth-bench /etc/systemd/system/berthd.service.d
harness_sh 'printf "[Registry]\nHost=127.0.0.1:5000\nInsecure=yes\n" >/etc/berth-bench/r.conf'
harness_sh 'printf "[Service]\nEnvironment=BERTH_REGISTRIES_DIR=/etc/berth-bench\n" >/etc/systemd/system/berthd.service.d/bench.conf'
harness_run systemctl daemon-reload
harness_run berthctl pull -q 127.0.0.1:5000/bench/busybox:latest
podman_image=$(harness_run podman pull -q oci:/srv/oci:latest | tail -1)

# podman needs CAP_SYS_RESOURCE for its rlimits; where it cannot run, the
# comparison falls back to the median measured when the budget was set
podman_ok=1
if ! out=$(harness_run podman run --rm --network none --ulimit host "$podman_image" /bin/true 2>&1); then
        echo "podman does not run here ($out); comparing with the reference median of 213 ms" >&2
        podman_ok=0
fi

harness_sh 'printf "[Service]\nType=oneshot\nExecStart=/bin/true\n" >/etc/systemd/system/bench-true.service'
harness_run systemctl daemon-reload

# warm up, then alternate; each sample is one full command, in ns
harness_sh '
        img=127.0.0.1:5000/bench/busybox:latest
        # both without a network, as podman is run: bench/network.sh times the bridge
        b() { berthctl run --rm --network none "$img" /bin/true; }
        bb() { berthctl run --rm "$img" /bin/true; }
        p() { podman run --rm --network none --ulimit host "$1" /bin/true; }
        t() { s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo "$((e - s))"; }
        b || { echo "berthctl run failed" >&2; exit 1; }
        for i in $(seq "$2"); do
                echo "berth $(t b)"
                echo "bridge $(t bb)"
                [ "$3" = 0 ] || echo "podman $(t p "$1")"
                echo "scope $(t systemd-run --quiet --scope /bin/true)"
                echo "oneshot $(t systemctl start bench-true.service)"
                echo "runtime $(t '"$HARNESS_BERTH_RUNTIME"' run --rm --network none --image "$img" -- /bin/true)"
                echo "true $(t /bin/true)"
        done' "$podman_image" "$rounds" "$podman_ok" >"$work/samples"

median() { grep "^$1 " "$work/samples" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
b=$(median berth)
if [ "$podman_ok" = 1 ]; then p=$(median podman); else p=213000000; fi
awk -v b="$b" -v p="$p" -v n="$rounds" -v ok="$podman_ok" -v sc="$(median scope)" \
        -v os="$(median oneshot)" -v rt="$(median runtime)" -v tr="$(median true)" -v bb="$(median bridge)" 'BEGIN {
        printf "rounds:              %d, taking turns\n", n
        printf "berthctl run --rm:   %.1f ms (median, --network none as podman)\n", b / 1e6
        printf "podman run --rm:     %.1f ms (%s)\n", p / 1e6, ok ? "median" : "reference"
        printf "ratio:               %.3f x podman (budget 0.05)\n", b / p
        printf "floors, same turns:\n"
        printf "  systemd-run --scope /bin/true:      %.1f ms\n", sc / 1e6
        printf "  berthctl run --rm, default bridge:  %.1f ms\n", bb / 1e6
        printf "  systemctl start (oneshot true):     %.1f ms\n", os / 1e6
        printf "  berth-runtime run --rm (no scope):  %.1f ms\n", rt / 1e6
        printf "  /bin/true:                          %.1f ms\n", tr / 1e6
        printf "berthctl run / systemd-run --scope:   %.2f\n", b / sc
}'
