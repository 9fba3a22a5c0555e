# Shared setup of the runtime's root tests: a busybox rootfs in a fresh temp
# dir, removed (with anything mounted below it) when the test exits.
set -eu

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
BUSYBOX=/bin/busybox # busybox-static: runs in a rootfs without libraries
[ -x "$BUSYBOX" ] || { echo "SKIP: needs busybox-static"; exit 77; }

RUNTIME=${BERTH_RUNTIME:-$BUILD_DIR/runtime/berth-runtime}
PROBE=$BUILD_DIR/tests/root/runtime/ct-probe
TMP=$(mktemp -d /tmp/berth-rt-test.XXXXXX)

cleanup() {
        rc=$?
        # anything a failed test left mounted below TMP
        grep -o " $TMP[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null || true
        done
        rm -rf "$TMP"
        exit $rc
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# container_init PID: sets $init to the container init that runtime PID
# started, once it has exec'd the command (until then it is still a copy of
# the runtime, without the container's environment).
container_init() {
        for i in $(seq 100); do
                init=$(pgrep -P "$1") && [ "$(cat "/proc/$init/comm" 2>/dev/null)" != berth-runtime ] && return 0
                sleep 0.1
        done
        fail "no container init under runtime $1"
}
check_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }
check_contains() { printf '%s\n' "$1" | grep -qF -- "$2" || fail "$3: '$2' not in: $1"; }

# make_rootfs DIR: busybox, ct-probe, passwd/group with a few users
make_rootfs() {
        d=$1
        mkdir -p "$d/bin" "$d/etc" "$d/tmp" "$d/mnt"
        cp "$BUSYBOX" "$d/bin/busybox"
        cp "$PROBE" "$d/bin/ct-probe"
        for a in sh cat ls id echo true false sleep hostname mount grep env pwd touch kill stat readlink wc ps df head; do
                ln -sf busybox "$d/bin/$a"
        done
        cat > "$d/etc/passwd" <<P
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app user:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
P
        cat > "$d/etc/group" <<G
root:x:0:
wheel:x:10:app,root
audio:x:29:app
app:x:1000:
nogroup:x:65534:
G
}

ROOTFS=$TMP/rootfs
make_rootfs "$ROOTFS"

# run_ct [OPTIONS] -- CMD...: a container on ROOTFS with its layer in TMP
run_ct() {
        "$RUNTIME" run --rootfs "$ROOTFS" --upper "$TMP/layer" "$@"
}
