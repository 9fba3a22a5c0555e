#!/bin/bash
# The demo: a real systemd (the test harness) with berth installed runs a
# busybox container, built here from Debian's busybox-static, as a service.
#
# usage: tests/lib/demo.sh BUILD_DIR
#
# Each step prints the command it runs inside. Today the container is started
# with the runtime directly, as systemd-run would for any service; once the
# generator exists, demo_start becomes: drop a .container file into
# /etc/berth/, daemon-reload, systemctl start.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
        echo "usage: $0 BUILD_DIR" >&2
        exit 2
fi
BUILD_DIR=$(realpath "$1")
SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export BUILD_DIR SOURCE_DIR
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/lib/harness.sh"

if [ "$(id -u)" != 0 ]; then
        echo "demo: run as root (it boots systemd in private namespaces)" >&2
        exit 1
fi
# harness_require_root exits 77 to skip tests; a demo that cannot run fails.
(harness_require_root) || exit 1

bold='' dim='' plain=''
if [ -t 1 ]; then
        bold=$'\033[1m' dim=$'\033[2m' plain=$'\033[0m'
fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
# Runs a command inside and shows it the way a user would type it.
inside() {
        local shown
        shown=$(printf '%q ' "$@")
        printf '%s[berth-harness]# %s%s\n' "$dim" "${shown% }" "$plain"
        harness_run "$@"
}

IMAGE_DIR=/var/lib/berth-demo/busybox
UNIT=demo

demo_prepare_image() {
        say "building a busybox image from Debian's busybox-static (tests/lib/mkimage.sh)"
        harness_mkimage "$IMAGE_DIR" --format layers
        inside ls "$IMAGE_DIR/1"
}

demo_start() {
        local runtime=${HARNESS_BERTH_RUNTIME:-/usr/libexec/berth/berth-runtime}
        if ! harness_run test -x "$runtime"; then
                echo "demo: $runtime is not installed; was berth built in $BUILD_DIR?" >&2
                return 1
        fi
        say "starting the container as a systemd service; the runtime hands its init to systemd and exits"
        # systemd expands $ in ExecStart=: "$$$$" reaches sh as "$$".
        # shellcheck disable=SC2016
        inside systemd-run --unit="$UNIT" -p Type=notify -p NotifyAccess=all \
                -p Description="berth demo container" \
                "$runtime" run --name "$UNIT" --layers "$IMAGE_DIR/1" -- \
                sh -c 'echo hello from a berth container; echo "I am PID $$$$ on $(hostname)"; sleep 2'
}

demo_show() {
        say "systemd supervises the container's init directly: it is the unit's Main PID"
        inside systemctl status --no-pager --lines=0 "$UNIT" || true
        say "no berth process is left; the container's output is in the journal"
        harness_wait 30 sh -c "! systemctl is-active --quiet $UNIT" || true
        harness_run journalctl --sync
        inside journalctl --no-pager -u "$UNIT"
}

say "booting a real systemd in private namespaces with berth installed (tests/lib/harness.sh)"
harness_boot
demo_prepare_image
demo_start
demo_show
say "done; tearing the demo system down"
