# shellcheck shell=bash
# Shared by the generator's integration tests that run declared containers
# from a registry inside the harness. Source after setting `set -euo pipefail`.
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/lib/harness.sh"

fail() {
        echo "FAIL: $*" >&2
        exit 1
}
conf() { sed -n "s/^#define $1 \"\(.*\)\"$/\1/p" "$BUILD_DIR/config.h"; }
CONFDIR=$(conf BERTH_CONFDIR)
STATEDIR=$(conf BERTH_STATEDIR)
[ -n "$CONFDIR" ] && [ -n "$STATEDIR" ] || fail "no config.h in $BUILD_DIR"

declared_require() {
        harness_require_root
        local t
        for t in berth-generator berthd berthctl; do
                meson introspect --installed "$BUILD_DIR" | grep >/dev/null "/$t\"" ||
                        harness_skip "this build installs no $t"
        done
        command -v docker-registry >/dev/null || harness_skip "no docker-registry"
        command -v skopeo >/dev/null || harness_skip "no skopeo"
}

# Boots the harness with berth's state directory on a tmpfs: an overlay upper
# directory cannot live on the harness's own overlay root.
declared_boot() {
        harness_boot
        harness_sh 'mkdir -p "$1" && { mountpoint -q "$1" || mount -t tmpfs berth-state "$1"; }' "$STATEDIR"
}

# declare_file NAME: writes stdin to $CONFDIR/NAME inside.
declare_file() { harness_sh 'mkdir -p "$(dirname "$1")" && cat >"$1"' "$CONFDIR/$1"; }

# trust_registry HOST:PORT: the harness's registry speaks plain HTTP.
trust_registry() {
        printf '[Registry]\nHost=%s\nInsecure=yes\n' "$1" | declare_file "registries.d/$2.conf"
}

# declared_registry REF [MKIMAGE-OPTION...]: a registry inside on REF's
# host:port (127.0.0.1:PORT), a test image pushed to REF, and berth told that
# the registry speaks plain HTTP.
declared_registry() {
        local ref=$1 hostport=${1%%/*}
        shift
        harness_registry "${hostport##*:}"
        harness_push_image "$ref" "$@"
        trust_registry "$hostport" local
}

# declared_app_boot TEST_APP: boots with a registry on 127.0.0.1:5000 serving
# $REG/test/app:1, a busybox image with the static test-app as
# /usr/bin/test-app.
REG=127.0.0.1:5000
declared_app_boot() {
        [ -n "${1:-}" ] || fail "usage: $0 TEST_APP (meson passes the static test-app)"
        declared_require
        declared_boot
        declared_registry "$REG/test/app:1" --add "$1:/usr/bin/test-app"
}

# The generated pull unit's name for IMAGE, read from the container unit.
pull_unit_of() {
        harness_run systemctl show -p Requires --value "$1" | tr ' ' '\n' | grep '^berth-pull-' | head -1
}

# Asserts that UNIT's Main PID is a container's init and no berth process runs.
assert_container_main_pid() {
        local unit=$1 pid nspid p
        pid=$(harness_run systemctl show -p MainPID --value "$unit")
        [ "$pid" -gt 0 ] || fail "$unit has no Main PID"
        nspid=$(harness_run grep '^NSpid:' "/proc/$pid/status") || fail "no /proc/$pid/status"
        read -r -a f <<<"$nspid"
        [ "${#f[@]}" = 3 ] && [ "${f[2]}" = 1 ] ||
                fail "Main PID $pid of $unit is not a container's init ($nspid)"
        # Process names: pgrep matches at most 15 characters of them.
        for p in berth-runtime berthctl; do
                if harness_run pgrep -l -x "$p" >&2; then
                        fail "a $p process remains"
                fi
        done
}
