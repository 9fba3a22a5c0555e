#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Two pulls needing the same layer share one download: in one process (two
# threads, one Registry) the registry serves the shared blob once; across
# processes both pulls succeed against one store and it checks clean, even
# when the second pull tries its locks while the first holds some.
. "$(dirname "$0")/lib.sh"

registry_start --access-log
registry_push multi >/dev/null
# the same image under a second name
python3 - "$REGISTRY_URL" <<'PY'
import os, sys
sys.path.insert(0, os.environ["SOURCE_DIR"] + "/tests/lib")
import registry_images as ri
ri.Pusher(sys.argv[1]).image("test/multi-copy", "latest", ri.multi_image())
PY

"$STORE_TOOL" "$STORE" pull-twice "$REGISTRY" "$REGISTRY/test/multi:latest" \
        "$REGISTRY/test/multi-copy:latest" || fail "concurrent pulls in one process"
base=$(python3 - <<'PY'
import os, sys
sys.path.insert(0, os.environ["SOURCE_DIR"] + "/tests/lib")
import registry_images as ri
img = ri.multi_image()
print(ri.sha256(img.layers[0][0]))
PY
)
n=$(grep -c "GET /v2/test/multi[-a-z]*/blobs/$base" "$REGISTRY_DIR/registry.log" || true)
[ "$n" = 1 ] || fail "shared layer downloaded $n times"
store_check_clean

# Across processes, into a fresh store. Each pull holds its layers' locks
# until all its layers are in, so two pulls that take them in different
# orders can each get one the other needs and wait forever. That race is
# forced here: the first pull runs under registry-lock-gate, which holds its
# open of every lock after its first until the second pull either holds that
# lock (then the first one's try fails, as if it had lost the race) or has
# tried the first pull's first lock twice (it waits for it and did not go for
# this one meanwhile). A pull taking locks out of order hangs here every time.
STORE=$REGISTRY_DIR/store-x
gated_pull_bg "$REGISTRY_DIR/a" after-first --insecure "$REGISTRY" "$REGISTRY/test/multi:latest"
a=$PULL_PID
# the first pull holds its first lock and is held at its second
two_cmds() { [ "$(grep -c "^cmd " <<<"$log")" -ge 2 ]; }
gate_wait "$REGISTRY_DIR/a" "the first pull never took a second lock" two_cmds
pull_bg "$REGISTRY_DIR/b" --insecure "$REGISTRY" "$REGISTRY/test/multi-copy:latest"
b=$PULL_PID
pulls_finish $a "$REGISTRY_DIR/a" $b "$REGISTRY_DIR/b" \
        "two pulls sharing layers in two processes hang"
log=$(cat "$GATE_LOG")
grep -q "^other $b " <<<"$log" || fail "the second pull never tried a lock while the first held one"
grep -q "^held .* waiting " <<<"$log" || fail "the forced interleaving did not happen: $log"
store_check_clean
echo ok
