#!/bin/bash
# The README's demo (tools/demo.sh runs tests/lib/demo.sh) works: a declared
# busybox container becomes a generated service, runs as PID 1 with its own
# hostname, its init is the unit's Main PID, and its output is in the journal.
set -euo pipefail
. "$SOURCE_DIR/tests/lib/harness.sh"
harness_require_root
installed=$(meson introspect --installed "$BUILD_DIR")
for p in berth-runtime berth-generator; do
        if ! grep -q "/$p\"" <<<"$installed"; then
                echo "SKIP: this build has no $p" >&2
                exit 77
        fi
done

out=$("$SOURCE_DIR/tests/lib/demo.sh" "$BUILD_DIR" 2>&1) || {
        echo "$out"
        echo "FAIL: the demo failed" >&2
        exit 1
}
echo "$out"
for want in '^SourcePath=/etc/berth/demo.container$' \
        '^ExecStart=.*/berth-runtime run .*--rootfs /var/lib/berth-demo/busybox' \
        'Main PID: [0-9]+ \((sh|sleep)\)' \
        'demo\[[0-9]+\]: hello from a berth container$' \
        'demo\[[0-9]+\]: I am PID 1 on demo$' \
        'demo.service: Deactivated successfully'; do
        grep -qE "$want" <<<"$out" || {
                echo "FAIL: the demo's output lacks /$want/" >&2
                exit 1
        }
done
echo ok
