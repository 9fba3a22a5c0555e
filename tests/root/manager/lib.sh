# Sourced by the root tests of berthd and berthctl: skip/fail, the programs
# under test. A test's own $work/berthd.log is shown when it fails.
set -euo pipefail

skip() {
        echo "SKIP: $*" >&2
        exit 77
}
fail() {
        echo "FAIL: $*" >&2
        [ -f "${work:-/nonexistent}/berthd.log" ] && sed 's/^/berthd.log: /' "$work/berthd.log" >&2
        exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root (image store ownership, layer extraction)"
berthd=$BUILD_DIR/manager/berthd/berthd
berthctl=$BUILD_DIR/cli/berthctl
export BERTH_WORKER=$BUILD_DIR/manager/berthd/berthd-worker
mkimage=$SOURCE_DIR/tests/lib/mkimage.sh
[ -x "$berthd" ] || skip "berthd is not built (store or registry library missing)"
