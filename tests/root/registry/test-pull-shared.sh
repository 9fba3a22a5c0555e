#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Two pulls needing the same layer share one download: in one process (two
# threads, one Registry) the registry serves the shared blob once; across
# processes both pulls succeed against one store and it checks clean.
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

# across processes, into a second store
STORE=$REGISTRY_DIR/store2
pull_bg "$REGISTRY_DIR/a" --insecure "$REGISTRY" "$REGISTRY/test/multi:latest"
a=$PULL_PID
pull_bg "$REGISTRY_DIR/b" --insecure "$REGISTRY" "$REGISTRY/test/multi-copy:latest"
b=$PULL_PID
wait $a || { cat "$REGISTRY_DIR/a"; fail "first concurrent pull"; }
wait $b || { cat "$REGISTRY_DIR/b"; fail "second concurrent pull"; }
store_check_clean
echo ok
