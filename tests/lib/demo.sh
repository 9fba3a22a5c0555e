#!/bin/bash
# The demo: a real systemd (the test harness) with berth installed runs a
# busybox container, built here from Debian's busybox-static, as a service.
#
# usage: tests/lib/demo.sh BUILD_DIR
#
# Each step prints the command it runs inside: a registry on 127.0.0.1 with
# the image pushed to it, a .container declaration in /etc/berth/ naming that
# image, systemctl daemon-reload (berth-generator writes the service and a
# pull unit), systemctl start (the pull unit asks berthd, started on demand
# over D-Bus, to pull the image; then the container runs), status and
# journalctl.
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

REGISTRY=127.0.0.1:5000
IMAGE=$REGISTRY/demo/busybox:1.0
UNIT=demo

demo_prepare_image() {
        say "running a registry on $REGISTRY inside (Debian's docker-registry)"
        harness_registry 5000
        say "building a busybox image from Debian's busybox-static and pushing it as $IMAGE"
        harness_push_image "$IMAGE"
        inside curl -s "http://$REGISTRY/v2/demo/busybox/tags/list"
        echo
        say "the registry speaks plain HTTP: telling berth in /etc/berth/registries.d/"
        # shellcheck disable=SC2016 # $1 is expanded inside
        printf '[Registry]\nHost=%s\nInsecure=yes\n' "$REGISTRY" |
                harness_sh 'mkdir -p /etc/berth/registries.d && cat >"$1"' /etc/berth/registries.d/demo.conf
        inside cat /etc/berth/registries.d/demo.conf
}

# berth's main job: a declaration in /etc/berth/ becomes a service.
demo_declare() {
        say "declaring the container in /etc/berth/$UNIT.container"
        # systemd expands $ in Exec=: "$$$$" reaches sh as "$$".
        # shellcheck disable=SC2016 # $1 is expanded inside
        harness_sh 'mkdir -p /etc/berth && cat >"/etc/berth/$1.container"' "$UNIT" <<EOF
[Unit]
Description=berth demo container

[Container]
Image=$IMAGE
HostName=demo
Exec=sh -c 'echo hello from a berth container; echo "I am PID \$\$\$\$ on \$(hostname)"; sleep 5'
EOF
        inside cat "/etc/berth/$UNIT.container"
        say "systemctl daemon-reload runs berth-generator, which writes $UNIT.service"
        inside systemctl daemon-reload
        inside systemctl cat "$UNIT.service"
}

demo_start() {
        say "starting it: a pull unit pulls the image through berthd, then the runtime starts the container"
        inside systemctl start "$UNIT.service"
}

demo_show() {
        say "systemd supervises the container's init directly: it is the unit's Main PID"
        inside systemctl status --no-pager --lines=0 "$UNIT.service" || true
        say "the image came from the registry: the generated pull unit asked berthd for it"
        local pull
        pull=$(harness_run systemctl show -p Requires --value "$UNIT.service" | tr ' ' '\n' | grep '^berth-pull-' | head -1)
        inside systemctl status --no-pager --lines=5 "$pull" || true
        inside berthctl images
        say "no berth process is left; the container's output is in the journal"
        # an explicit end state: a failing systemctl call is not "the container ended"
        harness_wait 30 sh -c "case \$(systemctl show -p ActiveState --value $UNIT.service) in inactive | failed) ;; *) exit 1 ;; esac" || true
        harness_run journalctl --sync
        inside journalctl --no-pager -u "$UNIT.service"
}

say "booting a real systemd in private namespaces with berth installed (tests/lib/harness.sh)"
harness_boot
if ! harness_run test -x /lib/systemd/system-generators/berth-generator &&
        ! harness_run test -x /usr/lib/systemd/system-generators/berth-generator; then
        echo "demo: berth-generator is not installed; was berth built in $BUILD_DIR?" >&2
        exit 1
fi
demo_prepare_image
demo_declare
demo_start
demo_show
say "done; tearing the demo system down"
