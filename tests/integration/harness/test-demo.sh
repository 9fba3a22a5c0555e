#!/bin/bash
# The README's demo (tools/demo.sh runs tests/lib/demo.sh) works: the busybox
# container runs as a service, as PID 1 with its own hostname, its init is the
# unit's Main PID, and its output is in the journal.
set -euo pipefail
. "$SOURCE_DIR/tests/lib/harness.sh"
harness_require_root
if ! meson introspect --installed "$BUILD_DIR" | grep -q '/berth-runtime"'; then
        echo "SKIP: this build has no berth-runtime" >&2
        exit 77
fi

out=$("$SOURCE_DIR/tests/lib/demo.sh" "$BUILD_DIR" 2>&1) || {
        echo "$out"
        echo "FAIL: the demo failed" >&2
        exit 1
}
echo "$out"
for want in 'Main PID: [0-9]+ \((sh|sleep)\)' \
        'berth-runtime\[[0-9]+\]: hello from a berth container$' \
        'berth-runtime\[[0-9]+\]: I am PID 1 on demo$' \
        'demo.service: Deactivated successfully'; do
        grep -qE "$want" <<<"$out" || {
                echo "FAIL: the demo's output lacks /$want/" >&2
                exit 1
        }
done
echo ok
